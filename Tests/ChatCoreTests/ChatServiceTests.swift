import ChatCore
import GradioClient
import Synchronization
import TestSupport
import Testing

// `ChatService` and `SpaceTargets` against a fake Space host and a fake Hub: the connection
// kept between turns, the warm-up, `/space`, waiting for a Space the Hub says is asleep, and
// where a token may go. Every wait runs on an `ImmediateClock`.

private let host = "https://owner-name.hf.space"
private let hubRoot = "https://hub.example"
private let spaceID = "owner/name"
private let finalReply = "Echo from qwen2.5-72B: you said «What is 2+2?». System: You are terse."

private let configReply = FakeTransport.Reply.body(
    status: 200, headers: [("Content-Type", "application/json")], body: Fixtures.bytes("gradio-4.44.1/config.json"))
/// The capture's event id: its stream's messages carry it.
private let joinReply = FakeTransport.Reply.json(200, #"{"event_id":"54a0ac10c842427dbfff7c598767edd7"}"#)
private let dataReply = FakeTransport.Reply.stream(
    status: 200, chunks: [Array(Fixtures.sseBody(ofCapture: Fixtures.text("gradio-4.44.1/normal-stream.txt")).utf8)], end: .eof)
private let queueFull = FakeTransport.Reply.json(503, #"{"detail":"Queue is full! Please try again."}"#)
/// What a Space's host answers while the Space is asleep or building.
private let hostPage = FakeTransport.Reply.text(503, "<!DOCTYPE html><html><body>Your space is waking up</body></html>", contentType: "text/html; charset=utf-8")

private func hubSays(_ stage: String) -> FakeTransport.Reply {
    // A Space has hardware only while it runs.
    let current = stage.hasPrefix("RUNNING") ? #""cpu-basic""# : "null"
    return .json(200, #"{"id":"owner/name","runtime":{"stage":"\#(stage)","hardware":{"current":\#(current),"requested":"cpu-basic"}}}"#)
}

/// Answers by the request's path: each route's replies in turn, the last one repeating. The
/// Hub's Space API is the route `hub`.
private final class Script: Sendable {
    private let routes: Mutex<[String: [FakeTransport.Reply]]>

    init(_ routes: [String: [FakeTransport.Reply]]) {
        self.routes = Mutex(routes)
    }

    func reply(_ request: HTTPRequest) -> FakeTransport.Reply {
        let path = String(request.url.split(separator: "?")[0])
        let key = path.hasPrefix(hubRoot) ? "hub" : ["/config", "/info", "/queue/join", "/queue/data", "/cancel"].first { path.hasSuffix($0) }
        return routes.withLock { routes in
            guard let key, var replies = routes[key], let first = replies.first else { return .text(404, "no route") }
            if replies.count > 1 { replies.removeFirst() }
            routes[key] = replies
            return first
        }
    }
}

/// A Space host (and Hub) on a fake transport, scripted per path.
private func transport(
    config: [FakeTransport.Reply] = [configReply],
    join: [FakeTransport.Reply] = [joinReply],
    hub: [FakeTransport.Reply] = [hubSays("RUNNING")]
) -> FakeTransport {
    let script = Script(["/config": config, "/queue/join": join, "/queue/data": [dataReply], "hub": hub])
    return FakeTransport { script.reply($0) }
}

private func targets(_ transport: any HTTPTransport, token: String? = nil, environmentToken: String? = nil) -> SpaceTargets {
    SpaceTargets(transport: transport, explicitToken: token, environmentToken: environmentToken, hubEndpoint: hubRoot, userAgent: "qwen-chat/test")
}

@Test("--auth goes to the app it was given for only: not to another host or port, not after /space elsewhere")
func loginStaysWithItsApp() throws {
    let app = try #require(URLParts("http://app.example:7860"))
    let targets = SpaceTargets(transport: FakeTransport { _ in .text(404, "") }, explicitToken: nil, environmentToken: nil, hubEndpoint: hubRoot,
                               userAgent: "qwen-chat/test", login: (GradioLogin(username: "u", password: "p"), for: app))
    #expect(try targets.target(spaceID: nil, url: "http://APP.example:7860/").client.login?.username == "u")
    #expect(try targets.target(spaceID: nil, url: "http://app.example:7861").client.login == nil)
    #expect(try targets.target(spaceID: nil, url: "https://app.example:7860").client.login == nil)
    #expect(try targets.target(spaceID: "a/b", url: "https://a-b.hf.space").client.login == nil)
}

/// A service whose waits and retries run on `clock`; with `spaceID`, it asks the Hub.
private func makeService(_ transport: FakeTransport, spaceID: String? = nil, url: String = host, clock: ImmediateClock = ImmediateClock()) throws -> ChatService {
    try ChatService(target: targets(transport).target(spaceID: spaceID, url: url),
                    retry: RetryPolicy(maxRetries: 3, clock: clock), waitBudget: 120)
}

private struct TurnResult {
    var end: ChatController.Input
    var events: [TurnDriver.Event]
    /// The reply as its text updates build it.
    var reply: String
    var error: GradioError? {
        if case .replyFinished(let error) = end { return error }
        return nil
    }
}

private func turn(_ service: ChatService) async -> TurnResult {
    var events: [TurnDriver.Event] = []
    let end = await service.run(userTurn: "What is 2+2?", systemPrompt: "You are terse.", modelSize: "72B") { events.append($0) }
    var reply = ""
    for case .text(let update) in events {
        switch update {
        case .delta(let text): reply += text
        case .revised(let text): reply = text
        }
    }
    return TurnResult(end: end, events: events, reply: reply)
}

private func count(_ transport: FakeTransport, _ suffix: String) -> Int {
    transport.requests.filter { $0.url.split(separator: "?")[0].hasSuffix(suffix) }.count
}

private func hubRequests(_ transport: FakeTransport) -> Int {
    transport.requests.filter { $0.url.hasPrefix(hubRoot) }.count
}

private func authorization(_ request: HTTPRequest?, header: String = "Authorization") -> String? {
    request?.headers.first { $0.0 == header }?.1
}

/// Holds `/config` requests until opened, so that a warm-up can finish after `/space`.
private final class GatedTransport: HTTPTransport {
    let inner: FakeTransport
    private let state = Mutex<(open: Bool, arrived: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, false, []))

    init(_ inner: FakeTransport) { self.inner = inner }

    var arrived: Bool { state.withLock { $0.arrived } }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        if request.url.hasSuffix("/config") {
            await withCheckedContinuation { continuation in
                let resume = state.withLock { state in
                    state.arrived = true
                    if state.open { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if resume { continuation.resume() }
            }
        }
        return try await inner.perform(request)
    }

    func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse { try await inner.stream(request) }
}

@Suite("ChatService: the network seam, on a fake transport")
struct ChatServiceTests {
    @Test("a turn connects once; the second turn reuses the connection")
    func connectsOnce() async {
        let fake = transport()
        let service = try! makeService(fake)
        let first = await turn(service)
        let second = await turn(service)
        #expect(first.end == .replyFinished(nil))
        #expect(first.reply == finalReply)
        #expect(second.end == .replyFinished(nil))
        #expect(second.reply == finalReply)
        #expect(count(fake, "/config") == 1)
        #expect(count(fake, "/queue/join") == 2)
        #expect(service.currentConnection?.endpoint == GradioEndpoint(apiName: "model_chat", fnIndex: 3, triggerID: 25))
    }

    @Test("warmUp reads the config while the user types; the turn after it sends no second /config")
    func warmUpServesTheFirstTurn() async throws {
        let fake = transport()
        let service = try makeService(fake)
        service.warmUp()
        // The warm-up alone finds the endpoint (what /model, Tab and /info read before a turn).
        for _ in 0..<500 where service.currentSpace == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(service.currentSpace != nil)
        #expect(count(fake, "/queue/join") == 0)
        let result = await turn(service)
        #expect(result.reply == finalReply)
        #expect(count(fake, "/config") == 1)
    }

    @Test("a warm-up that fails (503) leaves the first turn to connect as usual")
    func failedWarmUp() async throws {
        let fake = transport(config: [.json(503, #"{"detail":"Service Unavailable"}"#), configReply])
        let service = try makeService(fake)
        service.warmUp()
        let result = await turn(service)
        #expect(result.end == .replyFinished(nil))
        #expect(result.reply == finalReply)
        #expect(count(fake, "/config") == 2)
    }

    @Test("/space discards the old Space: its warm-up finishing late is not kept")
    func switchTargetDropsTheOldSpace() async throws {
        let old = GatedTransport(transport())
        let new = transport()
        let service = try ChatService(target: targets(old).target(spaceID: nil, url: "https://old.example"),
                                      retry: RetryPolicy(maxRetries: 3, clock: ImmediateClock()))
        service.warmUp()
        for _ in 0..<500 where !old.arrived { try await Task.sleep(for: .milliseconds(10)) }
        #expect(old.arrived)
        service.switchTarget(try targets(new).target(spaceID: nil, url: "https://new.example"))
        // The old Space's config arrives now, after the switch.
        old.open()
        let result = await turn(service)
        #expect(result.reply == finalReply)
        #expect(service.client.root == "https://new.example")
        #expect(service.currentConnection?.root == "https://new.example")
        #expect(count(old.inner, "/queue/join") == 0)
        #expect(count(new, "/config") == 1)
        #expect(count(new, "/queue/join") == 1)
    }

    @Test("the host answers a 503 page and the Hub says SLEEPING, then RUNNING: the turn waits, then answers")
    func waitsForASleepingSpace() async throws {
        let clock = ImmediateClock()
        let fake = transport(config: [hostPage, hostPage, configReply], hub: [hubSays("SLEEPING"), hubSays("RUNNING")])
        let service = try makeService(fake, spaceID: spaceID, clock: clock)
        let result = await turn(service)
        #expect(result.end == .replyFinished(nil))
        #expect(result.reply == finalReply)
        let waits = result.events.compactMap { if case .waiting(let line) = $0 { line } else { nil } }
        #expect(waits.count == 2)
        #expect(waits.first?.hasPrefix("the Space owner/name is asleep; waking it up") == true)
        #expect(waits.last?.hasPrefix("the Space owner/name is starting; waiting") == true)
        #expect(clock.sleeps.count == 2)
        #expect(count(fake, "/config") == 3)
        #expect(hubRequests(fake) == 2)
    }

    @Test("a Space asleep since the last turn: the Hub is asked at the first failed join, not after the retries")
    func asleepBetweenTurns() async throws {
        let clock = ImmediateClock()
        let fake = transport(join: [joinReply, hostPage, joinReply], hub: [hubSays("SLEEPING")])
        let service = try makeService(fake, spaceID: spaceID, clock: clock)
        #expect(await turn(service).end == .replyFinished(nil))
        let second = await turn(service)
        #expect(second.reply == finalReply)
        let statuses = second.events.compactMap { event -> String? in
            switch event {
            case .waiting(let line): "waiting: " + line
            case .retrying: "retrying"
            default: nil
            }
        }
        #expect(statuses.first?.hasPrefix("waiting: the Space owner/name is asleep") == true, "\(statuses)")
        #expect(!statuses.contains("retrying"), "\(statuses)")
        #expect(count(fake, "/queue/join") == 3)
    }

    @Test("a Space that stays asleep: waits with backoff up to --wait, then one line")
    func waitRunsOut() async throws {
        let clock = ImmediateClock()
        let fake = transport(config: [hostPage], hub: [hubSays("SLEEPING")])
        let service = try ChatService(target: targets(fake).target(spaceID: spaceID, url: host),
                                      retry: RetryPolicy(maxRetries: 3, clock: clock), waitBudget: 30)
        let result = await turn(service)
        let error = try #require(result.error)
        #expect(error.message == "the Space owner/name is still asleep after 30 s; try again later or raise --wait")
        // 2, 4, 8, 15 (the cap), then what is left of the 30 s budget.
        #expect(clock.sleeps == [.seconds(2), .seconds(4), .seconds(8), .seconds(15), .seconds(1)])
        #expect(count(fake, "/queue/join") == 0)
    }

    @Test("the Hub says PAUSED: one line, code spaceDown, no waiting")
    func pausedSpace() async throws {
        let clock = ImmediateClock()
        let fake = transport(config: [hostPage], hub: [hubSays("PAUSED")])
        let service = try makeService(fake, spaceID: spaceID, clock: clock)
        let result = await turn(service)
        let error = try #require(result.error)
        #expect(error.code == .spaceDown)
        #expect(error.message == "the Space owner/name is paused by its owner; it answers again once they restart it")
        #expect(!error.message.contains { $0.isNewline })
        #expect(clock.sleeps.isEmpty)
        #expect(count(fake, "/queue/join") == 0)
    }

    @Test("the Hub cannot be reached: the host's own error stands, after its retries")
    func unreachableHub() async throws {
        let clock = ImmediateClock()
        let fake = transport(config: [hostPage], hub: [.fail(TransportError(.unreachable, "could not connect to hub.example"))])
        let service = try makeService(fake, spaceID: spaceID, clock: clock)
        let result = await turn(service)
        let error = try #require(result.error)
        #expect(error.code == .spaceDown)
        #expect(error.message == "the Space is down, asleep or building (HTTP 503); try again in a minute")
        #expect(!result.events.contains { if case .waiting = $0 { true } else { false } })
        let retries = result.events.filter { if case .retrying = $0 { true } else { false } }
        #expect(retries.count == 3)
        #expect(count(fake, "/config") == 4)
    }

    @Test("the queue is full on join: retrying events, then the reply")
    func queueFullOnJoin() async throws {
        let clock = ImmediateClock()
        let fake = transport(join: [queueFull, queueFull, joinReply])
        let service = try makeService(fake, spaceID: spaceID, clock: clock)
        let result = await turn(service)
        #expect(result.end == .replyFinished(nil))
        #expect(result.reply == finalReply)
        let retries = result.events.compactMap { if case .retrying(let attempt, let total, _, let reason) = $0 { "\(attempt)/\(total) \(reason)" } else { nil } }
        #expect(retries == ["1/3 the Space's queue is full; try again later", "2/3 the Space's queue is full; try again later"])
        #expect(clock.sleeps.count == 2)
        #expect(count(fake, "/queue/join") == 3)
    }

    @Test("spaceText names the Space and its host, or the bare URL without its password")
    func spaceText() throws {
        let fake = transport()
        #expect(try makeService(fake, spaceID: spaceID).spaceText == "owner/name (https://owner-name.hf.space)")
        #expect(try makeService(fake, url: "http://user:secret@127.0.0.1:7860").spaceText == "http://127.0.0.1:7860")
    }
}

@Suite("SpaceTargets: where a token may go")
struct SpaceTargetsTests {
    /// The Authorization header the host and the Hub receive, from one request to each, and
    /// the host's X-HF-Authorization.
    private func sent(_ targets: SpaceTargets, url: String, spaceID: String? = "owner/name") async throws -> (host: String?, hub: String?, tokenSent: Bool, hostHF: String?) {
        let target = try targets.target(spaceID: spaceID, url: url)
        _ = try? await target.client.fetchConfig()
        _ = await target.hub?.state()
        let requests = (targets.transport as! FakeTransport).requests
        let host = requests.first { !$0.url.hasPrefix(hubRoot) }
        return (authorization(host),
                authorization(requests.first { $0.url.hasPrefix(hubRoot) }),
                target.tokenSent,
                authorization(host, header: "X-HF-Authorization"))
    }

    @Test("HF_TOKEN goes to the Hub and to *.hf.space hosts, not to any other host")
    func environmentToken() async throws {
        let local = try await sent(targets(transport(), environmentToken: "hf_env"), url: "http://127.0.0.1:7860")
        #expect(local.host == nil)
        #expect(local.hub == "Bearer hf_env")
        #expect(!local.tokenSent)
        let space = try await sent(targets(transport(), environmentToken: "hf_env"), url: "https://x.hf.space")
        // As X-HF-Authorization, which the Spaces proxy takes: Authorization would reach the
        // Space's own code.
        #expect(space.host == nil)
        #expect(space.hostHF == "Bearer hf_env")
        #expect(space.hub == "Bearer hf_env")
        #expect(space.tokenSent)
        let suffixed = try await sent(targets(transport(), environmentToken: "hf_env"), url: "https://x.hf.space.attacker.example")
        #expect(suffixed.host == nil && suffixed.hostHF == nil)
    }

    @Test("--token goes where the user points it, and to the Hub")
    func explicitToken() async throws {
        let local = try await sent(targets(transport(), token: "hf_flag", environmentToken: "hf_env"), url: "http://127.0.0.1:7860")
        #expect(local.host == "Bearer hf_flag")
        #expect(local.hostHF == nil)
        #expect(local.hub == "Bearer hf_flag")
        #expect(local.tokenSent)
        let space = try await sent(targets(transport(), token: "hf_flag"), url: "https://x.hf.space")
        #expect(space.host == nil)
        #expect(space.hostHF == "Bearer hf_flag")
    }

    @Test("a user and password in the URL go as Basic, and not in the URL")
    func urlCredentials() async throws {
        let fake = transport()
        let local = try await sent(targets(fake), url: "http://user:pass@127.0.0.1:7860", spaceID: nil)
        #expect(local.host == "Basic dXNlcjpwYXNz")
        #expect(local.hub == nil)
        #expect(fake.requests.map(\.url) == ["http://127.0.0.1:7860/config"])
        // HF_TOKEN does not go to that host, so nothing clashes.
        let withEnvironment = try await sent(targets(transport(), environmentToken: "hf_env"), url: "http://user:pw@127.0.0.1:7860")
        #expect(withEnvironment.host == "Basic dXNlcjpwdw==")
    }

    @Test("a user and password in the URL and a token for that host: refused")
    func credentialsAndToken() {
        let message = "the URL has a user and password and a token is set (--token or HF_TOKEN); give only one"
        #expect(throws: SpaceTargets.Failure.self) { try targets(transport(), token: "hf_flag").target(spaceID: nil, url: "http://user:pw@127.0.0.1:7860") }
        do {
            _ = try targets(transport(), environmentToken: "hf_env").target(spaceID: nil, url: "https://user:pw@x.hf.space")
            Issue.record("accepted credentials and HF_TOKEN for an hf.space host")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("not an http(s) URL: refused with the URL's password hidden")
    func badURL() {
        do {
            _ = try targets(transport()).target(spaceID: nil, url: "ftp://user:secret@example.com")
            Issue.record("accepted an ftp URL")
        } catch {
            #expect(error.description == "'ftp://***@example.com' is not an http:// or https:// URL")
        }
    }
}
