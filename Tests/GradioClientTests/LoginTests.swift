import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

/// Gradio's login (`auth=`): the form, the session cookie, one more login when it is gone.
struct LoginTests {
    static let root = "http://app.example:7860"

    /// An app behind a login: `/login` answers `loginStatus` and sets a token cookie
    /// (`token1`, `token2`, ...); other requests need the latest token, or answer 401.
    final class App: Sendable {
        let logins = Mutex(0)
        let accepted = Mutex<String?>(nil)
        let loginStatus: Int
        let detail: String

        init(loginStatus: Int = 200, detail: String = #"{"detail":"Not authenticated"}"#) {
            self.loginStatus = loginStatus
            self.detail = detail
        }

        /// The app forgets its sessions (a restart).
        func forget() { accepted.withLock { $0 = nil } }

        func route(_ request: HTTPRequest) -> FakeTransport.Reply {
            let path = String(request.url.dropFirst(LoginTests.root.count).split(separator: "?")[0])
            if path == "/login" {
                guard loginStatus == 200 else { return .json(loginStatus, #"{"detail":"Incorrect credentials."}"#) }
                let n = logins.withLock { $0 += 1; return $0 }
                accepted.withLock { $0 = "token\(n)" }
                return .body(status: 200, headers: [("Content-Type", "application/json"), ("Set-Cookie", "access-token-unsecure-x=token\(n); HttpOnly; Path=/")],
                             body: Array(#"{"success":true}"#.utf8))
            }
            let cookie = request.headers.first { $0.0 == "Cookie" }?.1
            guard let token = accepted.withLock({ $0 }), cookie == "access-token-unsecure-x=\(token)" else { return .json(401, detail) }
            switch path {
            case "/config": return .body(status: 200, headers: [], body: Fixtures.bytes("gradio-4.44.1/config.json"))
            case "/queue/join": return .json(200, #"{"event_id":"e1"}"#)
            case "/queue/data":
                return .stream(status: 200, chunks: [Array(#"data: {"msg":"process_completed","event_id":"e1","output":{"data":["x"]},"success":true}"#.utf8) + [10, 10]], end: .eof)
            default: return .text(404, "no route")
            }
        }
    }

    func client(_ app: App, login: GradioLogin? = GradioLogin(username: "qwen", password: "open sesame:42&=%")) -> (GradioClient, FakeTransport) {
        let transport = FakeTransport { app.route($0) }
        return (GradioClient(root: Self.root, transport: transport, login: login), transport)
    }

    @Test func theFormIsPostedFirstAndItsCookieGoesWithEveryRequest() async throws {
        let app = App()
        let (client, transport) = client(app)
        let connection = try await client.connect(apiName: "model_chat")
        try await client.submit(connection, data: [], sessionHash: "s1") { _, _ in }
        let paths = transport.requests.map { String($0.url.dropFirst(Self.root.count).split(separator: "?")[0]) }
        #expect(paths == ["/login", "/config", "/queue/join", "/queue/data"])
        let form = try #require(transport.requests.first)
        #expect(form.method == "POST")
        #expect(form.headers.contains { $0 == ("Content-Type", "application/x-www-form-urlencoded") })
        #expect(String(decoding: form.body ?? [], as: UTF8.self) == "username=qwen&password=open+sesame%3A42%26%3D%25")
        #expect(app.logins.withLock { $0 } == 1)
    }

    @Test func aForgottenLoginIsRenewedOnceAndTheRequestRepeated() async throws {
        let app = App()
        let (client, transport) = client(app)
        let connection = try await client.connect(apiName: "model_chat")
        app.forget()
        try await client.submit(connection, data: [], sessionHash: "s1") { _, _ in }
        #expect(app.logins.withLock { $0 } == 2)
        let joins = transport.requests.filter { $0.url.hasSuffix("/queue/join") }
        #expect(joins.count == 2)
        // Forgotten between the join and the stream: renewed for the stream too.
        app.forget()
        let stream = Task { try await client.submit(connection, data: [], sessionHash: "s2") { _, _ in } }
        try await stream.value
        #expect(app.logins.withLock { $0 } == 3)
    }

    @Test func aLoginThatDoesNotHoldIsOneError() async throws {
        final class Forgetful: Sendable {
            let app = App()
            func route(_ request: HTTPRequest) -> FakeTransport.Reply {
                let reply = app.route(request)
                if request.url.hasSuffix("/login") { app.forget() }
                return reply
            }
        }
        let forgetful = Forgetful()
        let client = GradioClient(root: Self.root, transport: FakeTransport { forgetful.route($0) }, login: GradioLogin(username: "qwen", password: "pw"))
        await #expect(throws: GradioError(.loginRequired, "the app asked for the login again right after it (HTTP 401 twice)")) {
            _ = try await client.fetchConfig()
        }
    }

    @Test func aRefusedLoginNamesTheUserNotThePassword() async throws {
        let (client, _) = client(App(loginStatus: 400), login: GradioLogin(username: "qwen", password: "hunter2"))
        do {
            _ = try await client.fetchConfig()
            Issue.record("the login was not refused")
        } catch let error as GradioError {
            #expect(error.code == .loginRefused)
            #expect(error.message.contains("'qwen'") && !error.message.contains("hunter2"), "\(error.message)")
        }
        #expect(!"\(GradioLogin(username: "qwen", password: "hunter2"))".contains("hunter2"))
    }

    @Test(arguments: [#"{"detail":"Not authenticated"}"#, #"{"detail":{"error":"Not authenticated","auth_message":null}}"#])
    func withoutALoginTheErrorNamesAuth(detail: String) async throws {
        let (client, transport) = client(App(detail: detail), login: nil)
        do {
            _ = try await client.fetchConfig()
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == .loginRequired)
            #expect(error.message.contains("--auth"), "\(error.message)")
        }
        #expect(!transport.requests.contains { $0.url.hasSuffix("/login") })
    }
}
