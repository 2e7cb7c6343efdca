/// Reuses the memory of byte buffers handed to a reader once it is done with them.
///
/// A stream is read in batches of up to hundreds of kilobytes, each in a fresh array; fresh
/// memory costs a page fault per 4 KB on first touch, which for a 3 MB reply was more kernel
/// time than the parsing. The reader holds at most the batch it was last given, so the one
/// before it is free again: its capacity is reused (if the reader kept it after all, emptying it
/// copies on write, which is correct, only slower).
struct BufferRecycler: Sendable {
    private var handedOut: [[UInt8]] = []

    /// Notes a buffer given to the reader.
    mutating func handOut(_ buffer: [UInt8]) {
        guard buffer.capacity > 0 else { return }
        handedOut.append(buffer)
        if handedOut.count > 2 { handedOut.removeFirst() }
    }

    /// An empty buffer with room for `minimumCapacity` bytes, reusing the memory of the one
    /// handed out before the last when there is one.
    mutating func emptyBuffer(minimumCapacity: Int) -> [UInt8] {
        var buffer: [UInt8] = []
        if handedOut.count == 2 {
            buffer = handedOut.removeFirst()
            buffer.removeAll(keepingCapacity: true)
        }
        buffer.reserveCapacity(minimumCapacity)
        return buffer
    }
}
