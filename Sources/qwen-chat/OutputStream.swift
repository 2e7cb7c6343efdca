#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif
import Synchronization
import TerminalRendering

/// Unbuffered writes to a file descriptor, retried on partial writes and EINTR. Text goes in
/// as `TerminalText` (every string from elsewhere sanitised on the way in); bytes only from the
/// renderer, the JSON writer, or `--raw`.
struct FileDescriptorOutput: Sendable {
    let fd: Int32

    static let standardOutput = FileDescriptorOutput(fd: 1)
    static let standardError = FileDescriptorOutput(fd: 2)

    var isTerminal: Bool { isatty(fd) == 1 }

    /// Reads a descriptor to its end (standard input when a message is piped in).
    static func readAll(fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return result }
            result += chunk[0..<n]
        }
    }

    func write(_ text: TerminalText) {
        var text = text.text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    private func write(_ buffer: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

/// Output gathered from the request task and written by the main thread's tick (about every
/// 16 ms) or when it grows large: one `write(2)` per tick instead of one per token.
final class BufferedOutput: Sendable {
    private let target: FileDescriptorOutput
    private let pending = Mutex<[UInt8]>([])
    private static let flushThreshold = 1 << 16

    init(_ target: FileDescriptorOutput) {
        self.target = target
    }

    func write(_ text: TerminalText) {
        write(Array(text.text.utf8))
    }

    func write(_ bytes: [UInt8]) {
        pending.withLock { buffer in
            buffer += bytes
            if buffer.count >= Self.flushThreshold {
                target.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    func flush() {
        pending.withLock { buffer in
            guard !buffer.isEmpty else { return }
            target.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
