import Testing
@testable import GradioClient

/// The pure parts of the transport: request bytes and TLS failure reasons.
@Suite("HTTP1Transport requests and messages")
struct HTTP1TransportTests {
    private func text(_ request: HTTPRequest, proxy: ProxySettings? = nil) -> String {
        let target = URLParts(request.url)!
        let bytes = HTTP1Transport.serialize(request, target: target, viaProxy: proxy != nil && target.scheme == "http", proxy: proxy)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("Origin-form requests carry Host, the body's length, and no fragment")
    func originForm() {
        let post = text(HTTPRequest(method: "POST", url: "http://127.0.0.1:7860/gradio_api/queue/join?x=1#frag",
                                    headers: [("Content-Type", "application/json"), ("Content-Length", "999"), ("Host", "evil")], body: Array("{}".utf8)))
        #expect(post == "POST /gradio_api/queue/join?x=1 HTTP/1.1\r\nHost: 127.0.0.1:7860\r\nUser-Agent: qwen-chat\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        let get = text(HTTPRequest(method: "GET", url: "https://qwen-qwen2-5.hf.space"))
        #expect(get == "GET / HTTP/1.1\r\nHost: qwen-qwen2-5.hf.space\r\nUser-Agent: qwen-chat\r\n\r\n")
        #expect(text(HTTPRequest(method: "GET", url: "http://[::1]:8080?a")).hasPrefix("GET /?a HTTP/1.1\r\nHost: [::1]:8080\r\n"))
    }

    @Test("Through a forwarding proxy: absolute-form, with the proxy's credentials")
    func absoluteForm() {
        let request = text(HTTPRequest(method: "GET", url: "http://example.com/config"), proxy: ProxySettings(host: "proxy", port: 3128, credentials: "u:p"))
        #expect(request == "GET http://example.com/config HTTP/1.1\r\nHost: example.com\r\nUser-Agent: qwen-chat\r\nProxy-Authorization: Basic dTpw\r\n\r\n")
    }

    @Test("TLS failures say why in a few words, without source paths", arguments: [
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /work/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/handshake.cc:393]))", "certificate verify failed"),
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /x/tls_record.cc:231]))", "wrong version number"),
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error:  EOF during handshake]))", "the server closed the connection during the handshake"),
    ])
    func tlsReasons(text: String, reason: String) {
        #expect(HTTP1Transport.tlsReason(text) == reason)
    }
}
