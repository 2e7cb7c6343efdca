// libFuzzer target: HTTPResponseParser fed arbitrary bytes in arbitrary pieces.
// Invariants: splitting the input at one or two fuzzer-chosen offsets (or feeding it byte by
// byte) changes nothing — the same head, body, bytes used, completion and error — and a
// successful parse never uses more bytes than it was given.

private struct Outcome: Equatable {
    var status: Int?
    var headers: [String] = []
    var body: [UInt8] = []
    var used = 0
    var complete = false
    var keepAlive = false
    var failure: String?
}

private func run(_ input: [UInt8], pieces: [Range<Int>]) -> Outcome {
    var parser = HTTPResponseParser()
    var outcome = Outcome()
    do {
        for piece in pieces {
            let bytes = Array(input[piece])
            let used = try bytes.withUnsafeBufferPointer { try parser.feed($0, body: &outcome.body) }
            precondition(used <= bytes.count, "used more bytes than given")
            outcome.used += used
            if used < bytes.count { break }
        }
        try parser.finish()
    } catch {
        // Where in the bytes an error struck is not part of the contract; what it says is.
        outcome.failure = String(describing: error)
        outcome.used = -1
    }
    outcome.status = parser.head?.status
    outcome.headers = parser.head?.headers.map { "\($0.0): \($0.1)" } ?? []
    outcome.complete = parser.isComplete
    outcome.keepAlive = parser.keepAlive
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let body = Array(input[2...])
    let first = body.isEmpty ? 0 : Int(input[0]) % (body.count + 1)
    let second = body.isEmpty ? 0 : first + Int(input[1]) % (body.count - first + 1)
    let expected = run(body, pieces: [0..<body.count])
    let split = run(body, pieces: [0..<first, first..<second, second..<body.count])
    if split != expected {
        fatalError("HTTP parse differs when split at \(first), \(second): \(expected) vs \(split)")
    }
    if body.count <= 512 {
        let bytewise = run(body, pieces: body.indices.map { $0..<$0 + 1 })
        if bytewise != expected {
            fatalError("HTTP parse differs when fed byte by byte: \(expected) vs \(bytewise)")
        }
    }
    return 0
}
