import TestSupport
import Testing
@testable import GradioClient

private func parseAll(_ chunks: [[UInt8]]) -> [ServerSentEvent] {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    for chunk in chunks { events += parser.feed(chunk) }
    parser.finish()
    return events
}

private func parse(_ text: String) -> [ServerSentEvent] { parseAll([Array(text.utf8)]) }

private enum LineEnding: String, CaseIterable, Sendable {
    case lf, crlf, cr

    func convert(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .lf: return body
        case .crlf: return body.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
        case .cr: return body.map { $0 == 0x0A ? 0x0D : $0 }
        }
    }
}

@Suite("ServerSentEventParser")
struct ServerSentEventParserTests {
    @Test("every capture body parses into its data lines")
    func unsplitCaptures() throws {
        for capture in Capture.all {
            let events = parse(capture.body)
            let expected = capture.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
            #expect(events.map(\.text) == expected, "\(capture.name)")
            #expect(!events.isEmpty, "\(capture.name)")
            #expect(events.allSatisfy { $0.type == nil && $0.id == nil })
        }
    }

    @Test("two-chunk splits at every byte offset give the unsplit events", arguments: Capture.all, LineEnding.allCases)
    fileprivate func everyTwoChunkSplit(capture: Capture, ending: LineEnding) {
        let body = ending.convert(capture.bodyBytes)
        let expected = parseAll([body])
        #expect(expected.count == capture.events.count)
        var failures = 0
        for offset in 0...body.count {
            let events = parseAll([Array(body[..<offset]), Array(body[offset...])])
            if events != expected {
                failures += 1
                if failures <= 3 { Issue.record("\(capture.name) \(ending): split at \(offset) gave \(events.count) events") }
            }
        }
        #expect(failures == 0)
    }

    @Test("a sample of three-chunk splits give the unsplit events", arguments: LineEnding.allCases)
    fileprivate func threeChunkSplits(ending: LineEnding) {
        var rng = SplitMix64(seed: 0x55E_3)
        for capture in Capture.all {
            let body = ending.convert(capture.bodyBytes)
            let expected = parseAll([body])
            for _ in 0..<300 {
                let a = Int.random(in: 0...body.count, using: &rng)
                let b = Int.random(in: 0...body.count, using: &rng)
                let events = parseAll(split(body, at: [a, b]))
                #expect(events == expected, "\(capture.name) \(ending): split at \(a), \(b)")
                if events != expected { return }
            }
            // And random many-chunk splits, down to single bytes.
            for _ in 0..<20 {
                let events = parseAll(randomChunks(body, sizes: 1...9, rng: &rng))
                #expect(events == expected, "\(capture.name) \(ending): random small chunks")
            }
        }
    }

    @Test("CRLF and CR line endings give the same events as LF", arguments: [LineEnding.crlf, .cr])
    fileprivate func lineEndingsAgree(ending: LineEnding) {
        for capture in Capture.all {
            #expect(parseAll([ending.convert(capture.bodyBytes)]) == parseAll([capture.bodyBytes]), "\(capture.name)")
        }
    }

    @Test func multiLineDataJoinsWithNewline() {
        let events = parse("data: first\ndata: second\ndata:\ndata: fourth\n\n")
        #expect(events.map(\.text) == ["first\nsecond\n\nfourth"])
    }

    @Test func commentsAreIgnored() {
        let events = parse(": ping\n\n:another\ndata: x\n: inside\ndata: y\n\n: trailing\n\n")
        #expect(events.map(\.text) == ["x\ny"])
    }

    @Test func dataWithoutSpaceAndOnlyOneSpaceStripped() {
        #expect(parse("data:{\"a\":1}\n\n").map(\.text) == ["{\"a\":1}"])
        #expect(parse("data:  two spaces\n\n").map(\.text) == [" two spaces"])
        #expect(parse("data\n\n").map(\.text) == [""])
    }

    @Test func eventAndIDFields() {
        let events = parse("event: update\nid: 7\ndata: a\n\ndata: b\n\nevent: other\ndata: c\nid\n\n")
        #expect(events == [
            ServerSentEvent(type: "update", data: Array("a".utf8), id: "7"),
            // The event type resets after each event; the last event id persists.
            ServerSentEvent(type: nil, data: Array("b".utf8), id: "7"),
            ServerSentEvent(type: "other", data: Array("c".utf8), id: ""),
        ])
        // An id containing NUL is ignored.
        #expect(parse("id: 1\ndata: a\n\nid: x\u{0}y\ndata: b\n\n").map(\.id) == ["1", "1"])
        // Unknown fields and retry are ignored; an event with no data is not dispatched.
        #expect(parse("retry: 100\nfoo: bar\n\nevent: empty\n\ndata: z\n\n").map(\.text) == ["z"])
    }

    @Test func byteOrderMarkAtStart() {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: a\n\ndata: b\n\n".utf8)
        #expect(parseAll([body]).map(\.text) == ["a", "b"])
        #expect(parseAll([Array(body[..<5]), Array(body[5...])]).map(\.text) == ["a", "b"])
        // A BOM later in the stream is not stripped: it is part of the field name there.
        #expect(parseAll([Array("data: a\n\n".utf8), [0xEF, 0xBB, 0xBF] + Array("data: b\n\n".utf8)]).map(\.text) == ["a"])
    }

    @Test func byteOrderMarkSplitAcrossFirstChunks() {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: a\n\n".utf8)
        #expect(parseAll([[0xEF], Array(body[1...])]).map(\.text) == ["a"])
        #expect(parseAll([[0xEF, 0xBB], Array(body[2...])]).map(\.text) == ["a"])
    }

    @Test func largeEventInSmallChunks() {
        var rng = SplitMix64(seed: 42)
        let payloadCount = 1_500_000
        var payload = [UInt8](repeating: 0, count: payloadCount)
        for i in payload.indices { payload[i] = UInt8(ascii: "a") + UInt8(i % 26) }
        let body = Array("data: {\"x\":\"".utf8) + payload + Array("\"}\n\ndata: after\n\n".utf8)
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var start = 0
        while start < body.count {
            let end = min(body.count, start + Int.random(in: 1...61, using: &rng))
            events += parser.feed(body[start..<end])
            start = end
        }
        #expect(events.count == 2)
        #expect(events.first?.data == Array("{\"x\":\"".utf8) + payload + Array("\"}".utf8))
        #expect(events.last?.text == "after")
    }

    @Test func multiByteUTF8SplitAcrossChunksArrivesIntact() {
        let text = "你好 🙂 café e\u{301} 𝄞 — 👩‍👩‍👧"
        let body = Array("data: \(text)\n\n".utf8)
        for offset in 0...body.count {
            let events = parseAll([Array(body[..<offset]), Array(body[offset...])])
            #expect(events.map(\.text) == [text], "split at \(offset)")
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            #expect(parseAll(randomChunks(body, sizes: 1...3, rng: &rng)).map(\.text) == [text])
        }
    }

    @Test func finalEventWithoutBlankLineIsNotDispatched() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: a\n\ndata: b\n".utf8)).map(\.text) == ["a"])
        parser.finish()
        #expect(parser.feed(Array("data: c\n\n".utf8)).map(\.text) == ["c"])
        #expect(parse("data: only").isEmpty)
        #expect(parse("data: only\n").isEmpty)
        #expect(parse("data: only\r").isEmpty)
    }

    @Test func crlfSplitBetweenCRAndLFIsOneLineEnd() {
        let events = parseAll([Array("data: a\r".utf8), Array("\n".utf8), Array("\r".utf8), Array("\ndata: b\r\n\r\n".utf8)])
        #expect(events.map(\.text) == ["a", "b"])
        // CR CR is two line ends (a blank line), not one.
        #expect(parse("data: a\r\rdata: b\r\r").map(\.text) == ["a", "b"])
    }

    @Test func emitClosureFormMatchesArrayForm() {
        let body = Capture.gradio4("normal-stream").bodyBytes
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        parser.feed(body) { events.append($0) }
        #expect(events == parseAll([body]))
        // A non-contiguous collection works too.
        var parser2 = ServerSentEventParser()
        #expect(parser2.feed(body.lazy.map { $0 }) == events)
    }
}
