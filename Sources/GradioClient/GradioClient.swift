#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where and how to call one endpoint of a Gradio app.
public struct GradioEndpoint: Sendable, Equatable {
    public var apiName: String
    public var fnIndex: Int
    public var triggerID: Int?

    public init(apiName: String, fnIndex: Int, triggerID: Int?) {
        self.apiName = apiName
        self.fnIndex = fnIndex
        self.triggerID = triggerID
    }
}

/// An app's endpoint, resolved from its config (or from the caller's fallback).
public struct GradioConnection: Sendable {
    public var root: String
    public var config: GradioConfig
    public var endpoint: GradioEndpoint
    /// Set when the config could not be used and the caller's fallback endpoint was taken.
    public var fallbackReason: String?

    public var apiBase: String { root + config.apiPrefix }

    public init(root: String, config: GradioConfig, endpoint: GradioEndpoint, fallbackReason: String? = nil) {
        self.root = root
        self.config = config
        self.endpoint = endpoint
        self.fallbackReason = fallbackReason
    }
}

/// An app's `/config`, or why there is none to use.
public enum ConfigAnswer: Sendable {
    case config(GradioConfig)
    /// The server answered but gave no usable config (a plain 404, or not JSON): the reason.
    case unavailable(String)
}

/// A client for Gradio's queue API (`sse_v1` … `sse_v3`, Gradio 4.9 to 6.x).
///
/// It knows nothing about any particular app: callers pass input data as JSON values and read
/// output values back. All network access goes through an `HTTPTransport`.
public struct GradioClient: Sendable {
    public let root: String
    public let transport: any HTTPTransport
    /// Sent with every request, for example `Authorization`; `User-Agent` last.
    public let headers: [(String, String)]
    /// The caller's name in messages ("… speaks Gradio 4.9 and later").
    public let product: String
    public let limits: GradioLimits
    /// The app's cookies (a login, a load balancer's affinity), shared by copies of the client.
    public let cookies: CookieJar
    /// For an app launched with `auth=`: logged in before the first request, and once more
    /// when the app answers that the login is gone.
    public let login: GradioLogin?
    private let loginState = LoginState()

    /// - Parameters:
    ///   - product: the caller's name, for messages and (without `userAgent`) as `User-Agent`.
    ///   - userAgent: the `User-Agent` header, for example `my-app/1.2`.
    ///   - cookies: the jar to keep the app's cookies in; a new, empty one by default.
    public init(root: String, transport: any HTTPTransport, headers: [(String, String)] = [], product: String = "GradioClient", userAgent: String? = nil,
                limits: GradioLimits = GradioLimits(), cookies: CookieJar = CookieJar(), login: GradioLogin? = nil) {
        var root = root
        while root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.transport = transport
        self.headers = headers + [("User-Agent", userAgent ?? product)]
        self.product = product
        self.limits = limits
        self.cookies = cookies
        self.login = login
    }

    /// Posts `login` to the app's `/login` form; its session cookie goes to the jar.
    /// - Throws: `GradioError` `.loginRefused` (wrong user or password: the message never
    ///   holds the password), or what the request itself met.
    public func logIn() async throws {
        guard let login else { return }
        let request = HTTPRequest(method: "POST", url: root + "/login",
                                  headers: headers + [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                  body: login.formBody)
        let (head, body) = try await send(request)
        switch head.status {
        case 200..<400:
            // 2xx: logged in; 3xx: Gradio redirects when the app takes no login at all.
            loginState.set(true)
        case 400, 401, 403:
            throw GradioError(.loginRefused, "the app refused the login for '\(oneLine(login.username, limit: 60))' (HTTP \(head.status)): check the user name and password given with --auth")
        default:
            var error = Self.classify(head, body, context: "logging in") ?? GradioError(.badResponse, "the app answered the login with HTTP \(head.status)")
            // The app's words may quote the form back: never the password.
            if !login.password.isEmpty { error.message = error.message.replacing(login.password, with: "***") }
            throw error
        }
    }

    /// Reads `/config` and finds the endpoint named `apiName`.
    ///
    /// For callers that know the endpoint's name; a caller that finds the chat function by its
    /// signature reads `fetchConfig` and `ChatEndpoint.discover` instead.
    /// - Throws: `GradioError` — unreachable, space down, unsupported version, or endpoint
    ///   not found (also when the app serves no config).
    public func connect(apiName: String, retry: RetryPolicy = .none, onRetry: (JobEvent) -> Void = { _ in }) async throws -> GradioConnection {
        let config: GradioConfig
        switch try await fetchConfig(retry: retry, onRetry: onRetry) {
        case .config(let parsed): config = parsed
        case .unavailable(let reason):
            throw GradioError(.endpointNotFound, "\(reason), so the endpoint '\(apiName)' cannot be found")
        }
        guard let dependency = config.dependency(named: apiName) else {
            throw GradioError(.endpointNotFound, "the app at \(root) has no endpoint '\(apiName)'")
        }
        return GradioConnection(root: root, config: config, endpoint: GradioEndpoint(apiName: apiName, fnIndex: dependency.fnIndex, triggerID: dependency.triggerID))
    }

    /// Reads `/config`, waiting and trying again while the Space is busy or asleep.
    /// - Throws: `GradioError` — unreachable, space down, or a Gradio version this client
    ///   does not speak.
    public func fetchConfig(retry: RetryPolicy = .none, onRetry: (JobEvent) -> Void = { _ in }) async throws -> ConfigAnswer {
        var attempt = 0
        while true {
            do {
                return try await fetchConfigOnce()
            } catch let error as GradioError where error.isTransient && attempt < retry.maxRetries {
                attempt += 1
                try await retry.wait(attempt: attempt, reason: error, notify: onRetry)
            }
        }
    }

    private func fetchConfigOnce() async throws -> ConfigAnswer {
        let request = HTTPRequest(method: "GET", url: root + "/config", headers: headers + [("Accept", "application/json")])
        let (head, body) = try await perform(request)
        if head.status == 200, let json = try? JSONValue.parse(body), let config = try Self.readConfig(json) {
            guard config.isSupported else {
                throw GradioError(.unsupportedVersion, "unsupported Gradio version \(oneLine(config.version ?? "unknown", limit: 40)) (protocol \(oneLine(config.protocolName, limit: 20))); \(product) speaks Gradio 4.9 and later (sse_v1 to sse_v3)")
            }
            return .config(config)
        }
        try Task.checkCancellation()
        // A plain 404 (not a web page) is an app without /config: the caller may fall back.
        if let error = Self.classify(head, body, context: "reading the app's config"),
           !(head.status == 404 && error.code == .badResponse) {
            throw error
        }
        return .unavailable(head.status == 200 ? "the app's answer to /config is not a Gradio config" : "could not read the app's config (HTTP \(head.status))")
    }

    /// A config, nil when the JSON is not one; an unsafe one (an API prefix that is not a
    /// plain path) is an error, not a fallback.
    private static func readConfig(_ json: JSONValue) throws(GradioError) -> GradioConfig? {
        do {
            return try GradioConfig(json: json)
        } catch let error as GradioError {
            throw error
        } catch {
            return nil
        }
    }

    /// Reads `{api_prefix}/info` (parameter names, labels and defaults of the named endpoints).
    /// Best effort: nil when the app does not serve it or anything goes wrong.
    public func fetchInfo(_ config: GradioConfig) async -> JSONValue? {
        let request = HTTPRequest(method: "GET", url: root + config.apiPrefix + "/info", headers: headers + [("Accept", "application/json")])
        guard let (head, body) = try? await perform(request), head.status == 200,
              let json = try? JSONValue.parse(body), json["named_endpoints"]?.objectValue != nil else { return nil }
        return json
    }

    /// Joins the queue with `data`, follows the job to its end, and calls `onEvent` for each
    /// step, synchronously, with the current output values.
    ///
    /// `onEvent` runs on the reading task and must not keep `outputs` past the call if it wants
    /// appends to stay cheap (keeping it forces a copy on the next edit).
    /// Cancelling the calling task posts Gradio's `/cancel` and closes the stream.
    /// - Throws: `GradioError` (`.cancelled` after a cancel), or the error `onEvent` throws.
    /// - Parameter prepare: runs before each join with the session hash that join uses (a
    ///   retry may use a new session), for state the job needs in its session.
    public func submit(
        _ connection: GradioConnection,
        data: [JSONValue],
        sessionHash: String,
        retry: RetryPolicy = .none,
        prepare: (_ sessionHash: String) async throws -> Void = { _ in },
        onEvent: (JobEvent, _ outputs: [JSONValue]) throws -> Void
    ) async throws {
        var attempt = 0
        var rejoined = false
        var hash = sessionHash
        while true {
            var produced = false
            do {
                try await prepare(hash)
                let eventID = try await join(connection, data: data, sessionHash: hash)
                try onEvent(.joined(eventID: eventID), [])
                do {
                    try await follow(connection, eventID: eventID, sessionHash: hash) { event, outputs in
                        if case .generating = event { produced = true }
                        try onEvent(event, outputs)
                    }
                    return
                } catch let error where Self.isCancellation(error) {
                    await cancel(connection, eventID: eventID, sessionHash: hash)
                    throw GradioError(.cancelled, "cancelled")
                }
            } catch let error as GradioError where error.isTransient && !produced && attempt < retry.maxRetries {
                // Busy or waking up before anything streamed: wait and join again.
                attempt += 1
                try await retry.wait(attempt: attempt, reason: error) { try onEvent($0, []) }
            } catch let error as GradioError where error.code == .sessionNotFound && !produced && !rejoined {
                // The Space forgot the session (a restart, another replica): join once more.
                rejoined = true
                try onEvent(.warning("the Space lost the session; joining again"), [])
            } catch let error where Self.isCancellation(error) {
                throw GradioError(.cancelled, "cancelled")
            }
            hash = Self.makeSessionHash()
        }
    }

    /// `POST {api}/queue/join`; returns the event id.
    public func join(_ connection: GradioConnection, data: [JSONValue], sessionHash: String) async throws -> String {
        var payload = JSONObject()
        payload["data"] = .array(data)
        payload["event_data"] = .null
        payload["fn_index"] = .number(connection.endpoint.fnIndex)
        payload["trigger_id"] = connection.endpoint.triggerID.map { .number($0) } ?? .null
        payload["session_hash"] = .string(sessionHash)
        let request = HTTPRequest(
            method: "POST",
            url: connection.apiBase + "/queue/join",
            headers: headers + [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: JSONValue.object(payload).jsonBytes
        )
        let (head, body) = try await perform(request)
        if let error = Self.classify(head, body, context: "joining the queue") {
            if head.status == 500, connection.fallbackReason != nil {
                throw GradioError(.endpointNotFound, "the Space rejected the request (HTTP 500) and its config did not name the endpoint '\(connection.endpoint.apiName)'")
            }
            throw error
        }
        guard let json = try? JSONValue.parse(body), let eventID = json["event_id"]?.stringValue else {
            throw GradioError(.badResponse, "the Space answered the join without an event id")
        }
        return eventID
    }

    /// Posts Gradio's `/cancel` for a job. Best effort: errors are ignored, since closing the
    /// stream also stops the job on the server; and it waits at most `limits.cancelTimeout`,
    /// so a Space that answers slowly (or never) cannot hold Ctrl-C back.
    public func cancel(_ connection: GradioConnection, eventID: String, sessionHash: String) async {
        var payload = JSONObject()
        payload["event_id"] = .string(eventID)
        payload["session_hash"] = .string(sessionHash)
        payload["fn_index"] = .number(connection.endpoint.fnIndex)
        let request = HTTPRequest(
            method: "POST",
            url: connection.apiBase + "/cancel",
            headers: headers + [("Content-Type", "application/json")],
            body: JSONValue.object(payload).jsonBytes
        )
        // A fresh task: the caller's task is usually the one being cancelled.
        let sent = Task { [self] in _ = try? await perform(request) }
        let timer = Task { [limits] in
            try? await Task.sleep(for: limits.cancelTimeout)
            sent.cancel()
        }
        await sent.value
        timer.cancel()
    }

    private func follow(
        _ connection: GradioConnection,
        eventID: String,
        sessionHash: String,
        onEvent: (JobEvent, [JSONValue]) throws -> Void
    ) async throws {
        let request = HTTPRequest(
            method: "GET",
            url: connection.apiBase + "/queue/data?session_hash=" + sessionHash,
            headers: headers + [("Accept", "text/event-stream")]
        )
        var response: HTTPStreamingResponse
        try checkDestination(request.url)
        try await logInIfNeeded()
        do {
            response = try await transport.stream(withCookies(request))
            cookies.store(response.head, from: request.url)
            if login != nil, response.head.status == 401 {
                // The app forgot the login (a restart, an expired token): once more.
                try await logIn()
                response = try await transport.stream(withCookies(request))
                cookies.store(response.head, from: request.url)
                if response.head.status == 401 { throw Self.loginNotKept }
            }
        } catch let error as TransportError {
            throw Self.map(error)
        }
        if response.head.status != 200 {
            var body: [UInt8] = []
            while body.count < 65536, let chunk = try? await response.nextChunk() { body += chunk }
            throw Self.classify(response.head, body, context: "opening the data stream")
                ?? GradioError(.badResponse, "the data stream answered HTTP \(response.head.status)")
        }
        var stream = JobStream(job: GradioJob(eventID: eventID, sendsDiffs: connection.config.sendsDiffs, maximumOutputBytes: limits.maximumOutputBytes),
                               maximumEventBytes: limits.maximumEventBytes, maximumFieldBytes: limits.maximumFieldBytes)
        let clock = ContinuousClock()
        // Progress: a complete event, or bytes at 8 a second or more (a large event on a slow
        // link); a trickle of a byte every 2 s is not, however long it goes on.
        var window = (events: 0, bytes: 0, since: clock.now)
        while stream.outcome == nil {
            let chunk: [UInt8]?
            do {
                chunk = try await response.nextChunk()
            } catch let error as TransportError {
                throw Self.map(error)
            }
            guard let chunk else { break }
            try stream.read(chunk, onEvent: onEvent)
            window.bytes += chunk.count
            if stream.eventCount != window.events {
                window = (stream.eventCount, 0, clock.now)
            } else if let idle = limits.eventIdleTimeout, window.since.duration(to: clock.now) > idle {
                guard window.bytes >= 8 * max(Int(idle.components.seconds), 1) else {
                    throw GradioError(.idleTimeout, "no complete event from the Space for \(idle.components.seconds) s (only a trickle of bytes)")
                }
                window = (stream.eventCount, 0, clock.now)
            }
        }
        try Task.checkCancellation()
        switch stream.outcome {
        case .event?: return
        case .fail(let error)?: throw error
        case .ignore?, nil:
            throw GradioError(.streamEnded, "the Space closed the stream before the reply was complete")
        }
    }

    private func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        try await logInIfNeeded()
        let (head, body) = try await send(request)
        guard login != nil, head.status == 401 else { return (head, body) }
        // The app forgot the login (a restart, an expired token): log in once more and repeat
        // the request, which the app refused without acting on it.
        try await logIn()
        let again = try await send(request)
        if again.0.status == 401 { throw Self.loginNotKept }
        return again
    }

    static let loginNotKept = GradioError(.loginRequired, "the app asked for the login again right after it (HTTP 401 twice)")

    private func logInIfNeeded() async throws {
        if login != nil, !loginState.isLoggedIn { try await logIn() }
    }

    /// One request with the app's cookies, and the cookies of its answer kept.
    private func send(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        try checkDestination(request.url)
        do {
            let (head, body) = try await transport.perform(withCookies(request))
            cookies.store(head, from: request.url)
            return (head, body)
        } catch let error as TransportError {
            throw Self.map(error)
        }
    }

    /// The request with the app's cookies for its URL (checked to be the app's own first).
    private func withCookies(_ request: HTTPRequest) -> HTTPRequest {
        guard let cookie = cookies.header(for: request.url) else { return request }
        var request = request
        request.headers.append(("Cookie", cookie))
        return request
    }

    /// Every request goes to the app's own scheme, host and port, whatever its config says:
    /// checked before anything (a token, the user's message) is sent.
    private func checkDestination(_ url: String) throws(GradioError) {
        guard let rootParts = URLParts(root), let parts = URLParts(url), parts.credentials == nil,
              parts.scheme == rootParts.scheme, parts.host.lowercased() == rootParts.host.lowercased(), parts.port == rootParts.port
        else {
            throw GradioError(.unsafeConfig, "refusing a request to \(oneLine(URLParts.redacting(url), limit: 120)): not the app's host \(URLParts.redacting(root))")
        }
    }

    static func map(_ error: TransportError) -> GradioError {
        switch error.kind {
        case .unreachable: GradioError(.unreachable, error.description)
        case .idleTimeout: GradioError(.idleTimeout, error.description)
        case .connectionLost: GradioError(.streamEnded, "the connection to the Space dropped before the reply was complete (\(error.description))")
        case .invalidRequest: GradioError(.invalidRequest, error.description)
        }
    }

    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? GradioError, error.code == .cancelled { return true }
        return Task.isCancelled
    }

    /// Turns an HTTP answer that is not a success into the error a user can act on.
    static func classify(_ head: HTTPResponseHead, _ body: [UInt8], context: String) -> GradioError? {
        guard !(200..<300).contains(head.status) else { return nil }
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        let isHTML = head.header("Content-Type")?.contains("text/html") == true
            || text.lowercased().contains("<html")
        let detail = (try? JSONValue.parse(body))?["detail"]
        let detailText = detail?.stringValue ?? detail.map { $0.jsonText }
        switch head.status {
        case 503 where detailText?.lowercased().contains("queue is full") == true:
            return GradioError(.queueFull, "the Space's queue is full; try again later")
        case 429:
            return GradioError(.rateLimited, "the Space is rate-limiting requests (HTTP 429); wait a little and try again")
        case 502, 503, 504:
            return GradioError(.spaceDown, "the Space is down, asleep or building (HTTP \(head.status)); try again in a minute")
        case 401 where detailText?.contains("Not authenticated") == true || detail?["error"]?.stringValue == "Not authenticated":
            return GradioError(.loginRequired, "the app asks for a login (HTTP 401, not authenticated): give --auth USER[:PASSWORD]")
        case 401, 403:
            return GradioError(.badResponse, "the Space refused access (HTTP \(head.status)); a private Space needs --token or HF_TOKEN")
        case 404 where isHTML:
            return GradioError(.spaceDown, "no Gradio app answers there (HTTP 404 page); check --url or --space")
        default:
            if isHTML {
                return GradioError(.spaceDown, "the Space answered with a web page instead of Gradio (HTTP \(head.status)) while \(context); it may be down or building")
            }
            let shown = detailText ?? text.trimmingWhitespace()
            return GradioError(.badResponse, "the Space answered HTTP \(head.status) while \(context)" + (shown.isEmpty ? "" : ": \(oneLine(shown, limit: 200))"))
        }
    }

    /// A session hash like Gradio's own clients make: random lowercase letters and digits.
    public static func makeSessionHash() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<11).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
