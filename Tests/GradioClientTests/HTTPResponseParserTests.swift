import Testing
@testable import GradioClient
import TestSupport

/// The HTTP/1.1 response reader under the transport: framing, splits anywhere, and the
/// answers a broken server gets.
@Suite("HTTP/1.1 response parser")
struct HTTPResponseParserTests {
    private struct Parsed {
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var used = 0
        var complete = false
        var keepAlive = false
    }

    /// Feeds `bytes` in pieces that end at `cuts`, then (when `close`) the end of the connection.
    private func parse(_ bytes: [UInt8], cuts: [Int] = [], close: Bool = false, bodyless: Bool = false) throws -> Parsed {
        var parser = HTTPResponseParser(bodyless: bodyless)
        var result = Parsed()
        var start = 0
        for end in cuts.sorted() + [bytes.count] where end >= start {
            let piece = Array(bytes[start..<end])
            let used = try piece.withUnsafeBufferPointer { try parser.feed($0, body: &result.body) }
            result.used += used
            start = end
            if used < piece.count { break }
        }
        if close { try parser.finish() }
        result.head = parser.head
        result.complete = parser.isComplete
        result.keepAlive = parser.keepAlive
        return result
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("A Content-Length body, split at every byte")
    func contentLength() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 12\r\n\r\n{\"a\":\"b c\"}\n")
        for cut in 0...wire.count {
            let parsed = try parse(wire, cuts: [cut])
            #expect(parsed.head?.status == 200)
            #expect(parsed.head?.header("Content-Length") == "12")
            #expect(parsed.head?.header("content-type") == "application/json")
            #expect(parsed.body == bytes("{\"a\":\"b c\"}\n"))
            #expect(parsed.complete)
            #expect(parsed.keepAlive)
            #expect(parsed.used == wire.count)
        }
    }

    @Test("A chunked body with extensions, a bare LF and trailers, split at every pair of bytes")
    func chunked() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\nX\n00B\r\n, world! :)\r\n0\r\nX-Trailer: yes\r\n\r\n")
        let expected = bytes("helloX, world! :)")
        for first in stride(from: 0, through: wire.count, by: 1) {
            for second in stride(from: first, through: wire.count, by: 7) {
                let parsed = try parse(wire, cuts: [first, second])
                #expect(parsed.body == expected)
                #expect(parsed.complete)
                #expect(parsed.used == wire.count)
            }
        }
    }

    @Test("Random chunkings of a random body read back the same, however the reads split them")
    func randomChunkings() throws {
        var rng = SplitMix64(seed: 0x5EED)
        for _ in 0..<300 {
            let body = (0..<Int.random(in: 0..<3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var wire = bytes("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            var index = 0
            while index < body.count {
                let size = min(Int.random(in: 1...400, using: &rng), body.count - index)
                wire += bytes(String(size, radix: 16, uppercase: Bool.random(using: &rng)) + "\r\n")
                wire += body[index..<index + size]
                wire += bytes("\r\n")
                index += size
            }
            wire += bytes("0\r\n\r\n")
            let cuts = (0..<Int.random(in: 0..<20, using: &rng)).map { _ in Int.random(in: 0...wire.count, using: &rng) }
            let parsed = try parse(wire, cuts: cuts)
            #expect(parsed.body == body)
            #expect(parsed.complete)
        }
    }

    @Test("Without framing the body lasts until the close, and the connection is not reused")
    func untilClose() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\ndata: 2\n\n")
        let open = try parse(wire)
        #expect(!open.complete)
        #expect(open.body == bytes("data: 1\n\ndata: 2\n\n"))
        let closed = try parse(wire, close: true)
        #expect(closed.complete)
        #expect(!closed.keepAlive)
    }

    @Test("Interim 1xx heads are skipped; 204 and bodyless answers have no body")
    func interimAndEmpty() throws {
        let continued = try parse(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"))
        #expect(continued.head?.status == 201)
        #expect(continued.body == bytes("ok"))
        let empty = try parse(bytes("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"))
        #expect(empty.complete && empty.body.isEmpty)
        let tunnel = try parse(bytes("HTTP/1.1 200 Connection established\r\n\r\n"), bodyless: true)
        #expect(tunnel.complete && tunnel.head?.status == 200)
    }

    @Test("Keep-alive follows the version and the Connection header")
    func keepAlive() throws {
        #expect(try !parse(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try !parse(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try parse(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")).keepAlive)
        #expect(try parse(bytes("HTTP/1.1 200 OK\nContent-Length: 0\n\n")).keepAlive)
    }

    @Test("Bytes after the response are left unread")
    func trailingBytes() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n")
        let parsed = try parse(wire)
        #expect(parsed.complete)
        #expect(parsed.body == bytes("ok"))
        #expect(parsed.used == wire.count - bytes("HTTP/1.1 200 OK\r\n").count)
    }

    @Test("A response cut short is an error at the close", arguments: [
        "",
        "HTTP/1.1 200 OK\r\nContent-Le",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    ])
    func truncated(wire: String) throws {
        #expect(throws: HTTPResponseParser.Failure.self) { try parse(bytes(wire), close: true) }
    }

    @Test("What is not an HTTP/1.1 response is an error", arguments: [
        "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
    ])
    func malformed(wire: String) throws {
        #expect(throws: HTTPResponseParser.Failure.self) { try parse(bytes(wire)) }
    }

    @Test("A head that never ends is refused at 64 KB")
    func endlessHead() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\n") + bytes(String(repeating: "X-Padding: 0123456789abcdef\r\n", count: 3000))
        #expect(throws: HTTPResponseParser.Failure.self) { try parse(wire, cuts: Array(stride(from: 0, to: wire.count, by: 1000))) }
    }
}
