import TestSupport
import Testing
@testable import GradioClient

private let space = URLParts("https://qwen-qwen2-5.hf.space")!
private let plainHTTP = URLParts("http://127.0.0.1:7860")!

private func resolve(_ env: [String: String], target: URLParts = space, explicit: String? = nil) throws -> ProxySettings? {
    try ProxySettings.resolve(target: target, explicit: explicit, environment: env)
}

@Suite("ProxySettings")
struct ProxySettingsTests {
    @Test func noProxyConfigured() throws {
        #expect(try resolve([:]) == nil)
        #expect(try resolve(["https_proxy": ""]) == nil)
        #expect(try resolve([:], explicit: "") == nil)
    }

    @Test func explicitBeatsEnvironment() throws {
        let env = ["https_proxy": "http://env:1", "HTTPS_PROXY": "http://envup:2", "all_proxy": "http://all:3", "no_proxy": "*"]
        #expect(try resolve(env, explicit: "http://cli:8080") == ProxySettings(host: "cli", port: 8080))
    }

    @Test func schemeSpecificBeatsAllProxy() throws {
        #expect(try resolve(["https_proxy": "http://s:1", "all_proxy": "http://a:2"]) == ProxySettings(host: "s", port: 1))
        #expect(try resolve(["HTTPS_PROXY": "http://S:1", "ALL_PROXY": "http://a:2"]) == ProxySettings(host: "S", port: 1))
        // An https target ignores http_proxy; an http target ignores https_proxy.
        #expect(try resolve(["http_proxy": "http://h:1"]) == nil)
        #expect(try resolve(["http_proxy": "http://h:1", "all_proxy": "http://a:2"]) == ProxySettings(host: "a", port: 2))
        #expect(try resolve(["https_proxy": "http://s:1"], target: plainHTTP) == nil)
        #expect(try resolve(["http_proxy": "http://h:1", "https_proxy": "http://s:1"], target: plainHTTP) == ProxySettings(host: "h", port: 1))
        #expect(try resolve(["ALL_PROXY": "http://a:2"], target: plainHTTP) == ProxySettings(host: "a", port: 2))
        // Lower case wins over upper case when both are set.
        #expect(try resolve(["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"]) == ProxySettings(host: "lower", port: 1))
        // An empty scheme-specific variable falls through to all_proxy.
        #expect(try resolve(["https_proxy": "", "all_proxy": "http://a:2"]) == ProxySettings(host: "a", port: 2))
    }

    @Test func proxyURLForms() throws {
        #expect(try resolve(["https_proxy": "proxy.local:3128"]) == ProxySettings(host: "proxy.local", port: 3128))
        #expect(try resolve(["https_proxy": "http://proxy.local"]) == ProxySettings(host: "proxy.local", port: 80))
        #expect(try resolve(["https_proxy": "http://proxy.local:3128/"]) == ProxySettings(host: "proxy.local", port: 3128))
        #expect(try resolve(["https_proxy": "http://[::1]:3128"]) == ProxySettings(host: "::1", port: 3128))
    }

    @Test("credentials are percent-decoded: pa%40ss is pa@ss")
    func credentialsAreParsed() throws {
        #expect(try resolve(["https_proxy": "http://user:pa%40ss@proxy:3128"])
            == ProxySettings(host: "proxy", port: 3128, credentials: "user:pa@ss"))
        #expect(try resolve(["https_proxy": "http://us%3Aer:p%20w@proxy:3128"])?.credentials == "us:er:p w")
        #expect(try resolve(["https_proxy": "http://a@b:secret@proxy:3128"])
            == ProxySettings(host: "proxy", port: 3128, credentials: "a@b:secret"))
        #expect(try resolve(["https_proxy": "http://token@proxy:3128"])?.credentials == "token")
    }

    @Test("unusable proxy URLs throw with the password redacted", arguments: [
        "https://user:hunter2@proxy:443", "socks5://user:hunter2@proxy:1080", "http://user:hunter2@proxy:notaport",
        "http://user:hunter2@:8080", "http://user:hunter2@proxy:0",
    ])
    func unusableProxy(url: String) {
        do {
            _ = try resolve(["https_proxy": url])
            Issue.record("accepted \(url)")
        } catch let error as GradioError {
            #expect(error.code == .unreachable)
            #expect(!error.message.contains("hunter2"))
            #expect(!error.message.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("NO_PROXY matching", arguments: [
        ("qwen-qwen2-5.hf.space", true),
        ("hf.space", true),
        (".hf.space", true),
        ("*", true),
        ("HF.SPACE", true),
        ("example.com, hf.space", true),
        ("example.com,.hf.space:443", true),
        ("hf.space:8080", true),
        ("qwen-qwen2-5.hf.space:443", true),
        ("space", true),
        ("f.space", false),
        ("other.hf.space", false),
        ("example.com", false),
        ("", false),
        (",", false),
        (".", false),
    ])
    func noProxy(list: String, matches: Bool) throws {
        #expect(ProxySettings.matches(noProxy: list, host: "qwen-qwen2-5.hf.space") == matches)
        let env = ["https_proxy": "http://p:1", "no_proxy": list]
        #expect(try resolve(env) == (matches ? nil : ProxySettings(host: "p", port: 1)))
        let envUpper = ["HTTPS_PROXY": "http://p:1", "NO_PROXY": list]
        #expect(try resolve(envUpper) == (matches ? nil : ProxySettings(host: "p", port: 1)))
    }

    @Test func noProxyForLocalHostsAndIPv6() {
        #expect(ProxySettings.matches(noProxy: "localhost,127.0.0.1", host: "127.0.0.1"))
        #expect(ProxySettings.matches(noProxy: "localhost:7860", host: "localhost"))
        #expect(ProxySettings.matches(noProxy: "::1", host: "::1"))
        #expect(!ProxySettings.matches(noProxy: "notexample.com", host: "example.com"))
        #expect(!ProxySettings.matches(noProxy: "example.com", host: "notexample.com"))
        #expect(ProxySettings.matches(noProxy: "example.com", host: "a.b.example.com"))
    }

    @Test("redacting hides user:pass@", arguments: [
        ("http://user:pass@proxy:8080", "http://***@proxy:8080"),
        ("http://user:pass@proxy:8080/path?q=1", "http://***@proxy:8080/path?q=1"),
        ("http://a@b:pass@proxy", "http://***@proxy"),
        ("user:pass@proxy:8080", "***@proxy:8080"),
        ("http://proxy:8080", "http://proxy:8080"),
        ("http://proxy/a@b", "http://proxy/a@b"),
        ("proxy:8080", "proxy:8080"),
    ])
    func redacting(input: String, expected: String) {
        #expect(URLParts.redacting(input) == expected)
    }
}

@Suite("URLParts")
struct URLPartsTests {
    @Test func basic() throws {
        let url = try #require(URLParts("https://qwen-qwen2-5.hf.space"))
        #expect(url == URLParts(scheme: "https", host: "qwen-qwen2-5.hf.space", port: 443))
        #expect(URLParts("http://h")?.port == 80)
        #expect(URLParts("HTTP://Host:8080/gradio/?x=1") == URLParts(scheme: "http", host: "Host", port: 8080))
        #expect(URLParts("http://h?x=1")?.host == "h")
        #expect(URLParts("http://h#frag")?.host == "h")
        #expect(URLParts("http://u:p@h:1/x")?.credentials == "u:p")
        #expect(URLParts("http://u:p@h:1/x")?.host == "h")
        #expect(URLParts("http://h:65535")?.port == 65535)
        #expect(URLParts("http://h:1")?.port == 1)
    }

    @Test func ipv6() throws {
        #expect(URLParts("http://[::1]:7860/x") == URLParts(scheme: "http", host: "::1", port: 7860))
        #expect(URLParts("https://[2001:db8::1]")?.host == "2001:db8::1")
        #expect(URLParts("https://[2001:db8::1]")?.port == 443)
        #expect(URLParts("http://u:p@[fe80::1]:80")?.credentials == "u:p")
        #expect(URLParts("http://u:p@[fe80::1]:80")?.host == "fe80::1")
    }

    @Test("credentials come out of the URL, percent-decoded, for basic authorization")
    func splittingCredentials() {
        #expect(URLParts.splittingCredentials("http://user:p%40ss@h:7860/x?y=1") == ("http://h:7860/x?y=1", "user:p@ss"))
        #expect(URLParts.splittingCredentials("https://h/x") == ("https://h/x", nil))
        #expect(URLParts.splittingCredentials("https://tok@h") == ("https://h", "tok"))
    }

    @Test("rejected URLs", arguments: [
        "ftp://example.com", "file:///etc/passwd", "ws://h", "example.com", "", "http://", "http:///path", "http://:80",
        "http://u:p@", "http://h:0", "http://h:65536", "http://h:-1", "http://h:abc", "http://h:80x",
        "http://[::1", "http://[]:80", "http://[::1]:99999", "//h",
    ])
    func rejected(text: String) {
        #expect(URLParts(text) == nil)
    }
}
