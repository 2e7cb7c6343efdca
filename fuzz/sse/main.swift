// libFuzzer target: ServerSentEventParser fed arbitrary chunkings.
// Invariant: the events of the whole input equal the events of the same input split at one or
// two fuzzer-chosen offsets (and fed one byte at a time for short inputs).
import GradioClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    // The first two bytes choose the split points; the rest is the stream.
    let body = Array(input[2...])
    let first = body.isEmpty ? 0 : Int(input[0]) % (body.count + 1)
    let second = body.isEmpty ? 0 : first + Int(input[1]) % (body.count - first + 1)

    var whole = ServerSentEventParser()
    let expected = whole.feed(body)

    var split = ServerSentEventParser()
    var got = split.feed(body[0..<first])
    got += split.feed(body[first..<second])
    got += split.feed(body[second...])
    if got != expected {
        fatalError("SSE events differ when split at \(first), \(second): \(expected.map(\.text)) vs \(got.map(\.text)) for \(body)")
    }
    if body.count <= 512 {
        var bytewise = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in body { events += bytewise.feed(CollectionOfOne(byte)) }
        if events != expected {
            fatalError("SSE events differ when fed byte by byte: \(expected.map(\.text)) vs \(events.map(\.text)) for \(body)")
        }
    }
    return 0
}
