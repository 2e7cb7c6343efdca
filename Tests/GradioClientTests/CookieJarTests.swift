import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

/// The app's cookies go back to it, and only to it (RFC 6265, host-only; see CookieJar).
struct CookieJarTests {
    final class Clock: Sendable {
        private let seconds = Mutex(1_000_000.0)
        func read() -> Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
        var now: @Sendable () -> Date { { self.read() } }
        func advance(_ s: Double) { seconds.withLock { $0 += s } }
    }

    func head(_ cookies: String...) -> HTTPResponseHead {
        HTTPResponseHead(status: 200, headers: cookies.map { ("Set-Cookie", $0) })
    }

    @Test func sentBackToTheHostThatSetThemOnly() {
        let jar = CookieJar()
        jar.store(head("route=r2; Path=/", "access-token=abc; HttpOnly"), from: "https://a.hf.space/config")
        #expect(jar.header(for: "https://a.hf.space/queue/join") == "route=r2; access-token=abc")
        #expect(jar.header(for: "https://A.HF.SPACE/gradio_api/queue/data?session_hash=x") == "route=r2; access-token=abc")
        #expect(jar.header(for: "https://b.hf.space/config") == nil)
        #expect(jar.header(for: "https://hf.space/") == nil)
        #expect(jar.header(for: "https://huggingface.co/api/spaces/a") == nil)
    }

    @Test func aDomainAttributeDoesNotReachTheNeighbours() {
        let jar = CookieJar()
        jar.store(head("shared=1; Domain=hf.space; Path=/", "dotted=2; Domain=.a.hf.space", "other=3; Domain=b.hf.space"), from: "https://a.hf.space/config")
        #expect(jar.header(for: "https://b.hf.space/config") == nil)
        #expect(jar.header(for: "https://x.a.hf.space/config") == nil)
        // A Domain the host is in: kept for the host only; one it is not in: dropped.
        #expect(jar.header(for: "https://a.hf.space/config") == "shared=1; dotted=2")
        #expect(jar.names == ["shared", "dotted"])
    }

    @Test func pathsAndTheirDefault() {
        let jar = CookieJar()
        jar.store(head("api=1; Path=/gradio_api", "deep=2; Path=/gradio_api/queue/", "here=3"), from: "http://h:7860/app/config")
        #expect(jar.header(for: "http://h:7860/gradio_api/queue/join") == "deep=2; api=1")
        #expect(jar.header(for: "http://h:7860/gradio_api") == "api=1")
        #expect(jar.header(for: "http://h:7860/gradio_apix") == nil)
        // No Path: the directory of the path that set it.
        #expect(jar.header(for: "http://h:7860/app/info") == "here=3")
        #expect(jar.header(for: "http://h:7860/other") == nil)
    }

    @Test func secureOnlyOverHTTPS() {
        let jar = CookieJar()
        jar.store(head("s=1; Secure", "p=2"), from: "https://h/config")
        #expect(jar.header(for: "https://h/x") == "s=1; p=2")
        #expect(jar.header(for: "http://h/x") == "p=2")
    }

    @Test func expiryMaxAgeAndReplacement() {
        let clock = Clock()
        let jar = CookieJar(now: clock.now)
        jar.store(head("short=1; Max-Age=60", "gone=2; Max-Age=0", "old=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "keep=4"), from: "https://h/")
        #expect(jar.header(for: "https://h/") == "short=1; keep=4")
        clock.advance(61)
        #expect(jar.header(for: "https://h/") == "keep=4")
        jar.store(head("keep=5"), from: "https://h/")
        #expect(jar.header(for: "https://h/") == "keep=5")
        jar.store(head("keep=6; Max-Age=-1"), from: "https://h/")
        #expect(jar.header(for: "https://h/") == nil)
    }

    @Test func whatAServerSendsIsBounded() {
        let jar = CookieJar()
        let many = (0..<200).map { "c\($0)=v" }
        jar.store(HTTPResponseHead(status: 200, headers: many.map { ("Set-Cookie", $0) }), from: "https://h/")
        #expect(jar.names.count == CookieJar.maximumCookies)
        #expect(jar.names.last == "c199")
        jar.removeAll()
        jar.store(head("big=" + String(repeating: "x", count: 5000), "nl=a\u{7}b", "sp=a b", "ok=1"), from: "https://h/")
        #expect(jar.names == ["ok"])
    }

    @Test func theClientSendsTheConfigsCookiesWithTheJoinAndTheStream() async throws {
        let transport = FakeTransport { request in
            let path = request.url.split(separator: "?")[0]
            if path.hasSuffix("/config") {
                return .body(status: 200, headers: [("Content-Type", "application/json"), ("Set-Cookie", "replica=r1; Path=/")],
                             body: Fixtures.bytes("gradio-4.44.1/config.json"))
            }
            if path.hasSuffix("/queue/join") { return .json(200, #"{"event_id":"e1"}"#) }
            if path.hasSuffix("/queue/data") {
                return .stream(status: 200, chunks: [Array(#"data: {"msg":"process_completed","event_id":"e1","output":{"data":["x"]},"success":true}"#.utf8) + [10, 10]], end: .eof)
            }
            return .text(404, "no route")
        }
        let client = GradioClient(root: "https://space.example", transport: transport)
        let connection = try await client.connect(apiName: "model_chat")
        try await client.submit(connection, data: [], sessionHash: "s1") { _, _ in }
        let sent = transport.requests.map { request in request.headers.first { $0.0 == "Cookie" }?.1 }
        #expect(sent == [nil, "replica=r1", "replica=r1"])
    }
}
