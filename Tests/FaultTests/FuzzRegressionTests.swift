import GradioClient
import TestSupport
import Testing

// Fixed inputs that fuzz/ found breaking an invariant; no server needed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// fuzz/sse: a byte order mark split over chunks was not recognised, so the first field name
    /// became "\u{FEFF}data" and the first event was lost when the stream arrived byte by byte.
    @Test("A leading BOM split over chunks is skipped like a whole one", arguments: [1, 2, 3])
    func splitByteOrderMark(cut: Int) {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: a\n\n".utf8)
        var whole = ServerSentEventParser()
        let expected = whole.feed(body)
        #expect(expected.map(\.text) == ["a"])
        var split = ServerSentEventParser()
        let got = split.feed(body[..<cut]) + split.feed(body[cut...])
        #expect(got == expected)
        var bytewise = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in body { events += bytewise.feed(CollectionOfOne(byte)) }
        #expect(events == expected)
    }

    @Test("Bytes that start like a BOM but are not one stay text")
    func notAByteOrderMark() {
        let body: [UInt8] = [0xEF, 0xBB] + Array(": x\ndata: b\n\n".utf8)
        var whole = ServerSentEventParser()
        let expected = whole.feed(body)
        var bytewise = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in body { events += bytewise.feed(CollectionOfOne(byte)) }
        #expect(events == expected)
        #expect(expected.map(\.text) == ["b"])
    }
}
