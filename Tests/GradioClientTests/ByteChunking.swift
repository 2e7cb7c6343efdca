import TestSupport

/// Splits bytes into chunks at the given offsets (sorted, in range).
func split(_ bytes: [UInt8], at offsets: [Int]) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    for offset in offsets.sorted() {
        chunks.append(Array(bytes[start..<offset]))
        start = offset
    }
    chunks.append(Array(bytes[start...]))
    return chunks
}

/// Splits bytes into chunks of random sizes in `sizes`.
func randomChunks(_ bytes: [UInt8], sizes: ClosedRange<Int>, rng: inout SplitMix64) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + Int.random(in: sizes, using: &rng))
        chunks.append(Array(bytes[start..<end]))
        start = end
    }
    return chunks
}
