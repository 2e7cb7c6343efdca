#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The real network: a small HTTP/1.1 client over SwiftNIO, with TLS (NIOSSL), HTTP proxies
/// (forwarding, and `CONNECT` tunnels for https) and keep-alive connections.
///
/// Its own because a Gradio stream is tens of thousands of tiny HTTP chunks: a general client
/// spends several microseconds on each (parser callbacks, a state machine step and a future
/// per chunk), more than the rest of the client together. Here the event loop only appends
/// socket reads to a buffer (`ConnectionInbox`) and the reading task undoes the chunking in
/// bulk (`HTTPResponseParser`).
public final class HTTP1Transport: HTTPTransport {
    private let proxy: ProxySettings?
    private let connectTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let trustedCertificatesFile: String?
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Open connections no request is using, by origin, and when they were put back; the next
    /// request to it takes one.
    private let idle = Mutex<[String: [(inbox: ConnectionInbox, since: ContinuousClock.Instant)]]>([:])
    /// How long a kept connection may wait: longer, and a NAT or proxy may have dropped it
    /// without a word, so a request on it would only time out.
    private static let keepIdleFor = Duration.seconds(15)
    private let tlsContext = Mutex<Result<NIOSSLContext, TransportError>?>(nil)

    /// - Parameters:
    ///   - idleTimeout: how long a request may go without an answer or a byte of body (Gradio
    ///     sends heartbeats about every 15 s, so a healthy stream never trips it).
    ///   - trustedCertificatesFile: a PEM bundle of CA certificates that replaces the system's
    ///     (`SSL_CERT_FILE`, as curl and OpenSSL read it).
    public init(proxy: ProxySettings?, connectTimeout: Duration = .seconds(20), idleTimeout: Duration = .seconds(60), trustedCertificatesFile: String? = nil) {
        self.proxy = proxy
        self.connectTimeout = Self.timeAmount(connectTimeout)
        self.idleTimeout = Self.timeAmount(idleTimeout)
        self.trustedCertificatesFile = trustedCertificatesFile
    }

    deinit {
        for connections in idle.withLock({ $0.values }) {
            for connection in connections { connection.inbox.channel.close(promise: nil) }
        }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The whole body (at most 64 MB), under the same idle watchdog as a stream.
    public func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        let response = try await stream(request)
        var body: [UInt8] = []
        while let chunk = try await response.nextChunk() {
            if body.isEmpty { body = chunk } else { body += chunk }
            guard body.count <= 64 << 20 else { throw TransportError(.connectionLost, "an answer larger than 64 MB") }
        }
        return (response.head, body)
    }

    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        guard let target = URLParts(request.url) else {
            throw TransportError(.unreachable, "not an http:// or https:// URL: \(URLParts.redacting(request.url))")
        }
        let place = "\(target.host):\(target.port)"
        let bytes = Self.serialize(request, target: target, viaProxy: proxy != nil && target.scheme == "http", proxy: proxy)
        // A kept-alive connection the server closed meanwhile fails before answering: the
        // request then goes once more on a new connection.
        for attempt in 0..<2 {
            let (inbox, reused) = try await connection(to: target, place: place, fresh: attempt > 0)
            let body = ResponseBody(inbox: inbox, origin: Self.originKey(target), transport: self)
            let idleSeconds = idleTimeout.nanoseconds / 1_000_000_000
            inbox.watch(timeout: idleTimeout) { [weak body] in
                body?.headReceived == true
                    ? TransportError(.idleTimeout, "no data from the Space for \(idleSeconds) s")
                    : TransportError(.idleTimeout, "no answer from \(place) for \(idleSeconds) s")
            }
            do {
                try await inbox.channel.writeAndFlush(ByteBuffer(bytes: bytes))
                let head = try await body.readHead()
                // Through a forwarding proxy, a 407 is the proxy's answer, not the Space's.
                if head.status == 407, proxy != nil, target.scheme == "http" {
                    body.abandon()
                    throw proxyRefusal(head.status, place: place)
                }
                return HTTPStreamingResponse(head: head) { try await body.next() }
            } catch let writeOrRead {
                let error = inbox.failure ?? writeOrRead
                body.abandon()
                if reused, attempt == 0, inbox.receivedSinceRequest == 0, !(error is CancellationError), !(error is TransportError) {
                    continue
                }
                throw mapBeforeHead(error, place: place)
            }
        }
        throw TransportError(.connectionLost, "the connection to \(place) closed before the answer")
    }

    // MARK: Connections

    private static func originKey(_ target: URLParts) -> String {
        "\(target.scheme)://\(target.host.lowercased()):\(target.port)"
    }

    /// A kept-alive connection to the target's origin, or a new one.
    private func connection(to target: URLParts, place: String, fresh: Bool) async throws -> (ConnectionInbox, reused: Bool) {
        if !fresh {
            let key = Self.originKey(target)
            while let kept = idle.withLock({ $0[key]?.popLast() }) {
                if kept.inbox.isReusable, kept.since.duration(to: .now) < Self.keepIdleFor { return (kept.inbox, true) }
                kept.inbox.channel.close(promise: nil)
            }
        }
        do {
            return (try await connect(to: target), false)
        } catch {
            throw mapConnectError(error, place: place)
        }
    }

    /// Hands a connection whose response was read to the end back for the next request.
    fileprivate func release(_ inbox: ConnectionInbox, origin: String) {
        guard inbox.isReusable else {
            inbox.channel.close(promise: nil)
            return
        }
        let extra = idle.withLock { idle -> ConnectionInbox? in
            idle[origin, default: []].append((inbox, .now))
            // A few per origin: a stream plus the cancel or join beside it.
            return idle[origin]!.count > 4 ? idle[origin]!.removeFirst().inbox : nil
        }
        extra?.channel.close(promise: nil)
    }

    private func connect(to target: URLParts) async throws -> ConnectionInbox {
        let tls = target.scheme == "https" ? try context() : nil
        let (host, port) = proxy.map { ($0.host, $0.port) } ?? (target.host, target.port)
        let tunnel = tls != nil && proxy != nil
        let serverHostname = Self.isIPAddress(target.host) ? nil : target.host
        // The initializer makes the inbox; it is taken from here, not from the pipeline, which
        // is already empty if the connection failed at once (a TLS alert).
        let made = InboxSlot()
        let channel = try await withTaskCancellationHandler {
            try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls, !tunnel {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        }
                        let inbox = ConnectionInbox(channel: channel)
                        made.inboxes.withLock { $0[ObjectIdentifier(channel)] = inbox }
                        try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } onCancel: {
            for inbox in made.inboxes.withLock({ $0.values }) { inbox.channel.close(promise: nil) }
        }
        // With several addresses (IPv6 and IPv4) each attempt has its own channel and inbox.
        guard let inbox = made.inboxes.withLock({ $0[ObjectIdentifier(channel)] }) else {
            channel.close(promise: nil)
            throw TransportError(.unreachable, "the connection to \(host):\(port) closed at once")
        }
        if tunnel, let tls, let proxy {
            do {
                try await openTunnel(inbox, to: target, proxy: proxy)
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname), position: .first)
                }.get()
            } catch {
                channel.close(promise: nil)
                throw error
            }
        }
        return inbox
    }

    /// `CONNECT host:port` through the proxy, up to its answer.
    private func openTunnel(_ inbox: ConnectionInbox, to target: URLParts, proxy: ProxySettings) async throws {
        let authority = Self.authority(target)
        var text = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let authorization = proxy.basicAuthorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        inbox.watch(timeout: idleTimeout) { TransportError(.unreachable, "the proxy did not answer") }
        defer { inbox.stopWatching() }
        try await inbox.channel.writeAndFlush(ByteBuffer(string: text))
        var parser = HTTPResponseParser(bodyless: true)
        var ignored: [UInt8] = []
        var extra = false
        while parser.head == nil {
            guard let batch = try await inbox.next() else { try parser.finish(); break }
            extra = try parser.feed(batch, body: &ignored) || extra
        }
        guard let head = parser.head else { throw HTTPResponseParser.Failure("the proxy closed the connection without answering CONNECT") }
        // A refusal usually comes with a page: the status is what counts.
        guard (200..<300).contains(head.status) else { throw proxyRefusal(head.status, place: "\(target.host):\(target.port)") }
        guard !extra else { throw HTTPResponseParser.Failure("the proxy sent bytes after its answer to CONNECT") }
    }

    private func proxyRefusal(_ status: Int, place: String) -> TransportError {
        let proxy = proxy.map { "\($0.host):\($0.port)" } ?? "?"
        let reason = status == 407 ? "proxy authentication required; check the proxy's user and password" : "HTTP \(status)"
        return TransportError(.unreachable, "cannot reach the Space at \(place): the proxy at \(proxy) refused the connection (\(reason))")
    }

    private func context() throws -> NIOSSLContext {
        try tlsContext.withLock { cached in
            if let cached { return try cached.get() }
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let file = trustedCertificatesFile {
                configuration.trustRoots = .file(file)
            }
            let result: Result<NIOSSLContext, TransportError>
            do {
                result = .success(try NIOSSLContext(configuration: configuration))
            } catch {
                result = .failure(TransportError(.unreachable, "cannot set up TLS\(trustedCertificatesFile.map { " with the certificates in \($0)" } ?? ""): \(oneLine(String(describing: error), limit: 120))"))
            }
            cached = result
            return try result.get()
        }
    }

    // MARK: Requests

    private static func authority(_ target: URLParts) -> String {
        let host = target.host.contains(":") ? "[\(target.host)]" : target.host
        let defaultPort = target.scheme == "https" ? 443 : 80
        return target.port == defaultPort ? host : "\(host):\(target.port)"
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || (!host.isEmpty && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// The request's bytes: origin-form, or absolute-form to a forwarding proxy.
    static func serialize(_ request: HTTPRequest, target: URLParts, viaProxy: Bool, proxy: ProxySettings?) -> [UInt8] {
        var path = target.path
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        let authority = authority(target)
        let requestTarget = viaProxy ? "\(target.scheme)://\(authority)\(path)" : path
        var text = "\(request.method) \(requestTarget) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: qwen-chat\r\n"
        for (name, value) in request.headers {
            let lowered = name.lowercased()
            if lowered == "host" || lowered == "user-agent" || lowered == "content-length" { continue }
            text += "\(name): \(value)\r\n"
        }
        if viaProxy, let authorization = proxy?.basicAuthorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        if let body = request.body {
            text += "Content-Length: \(body.count)\r\n\r\n"
            return Array(text.utf8) + body
        }
        if request.method == "POST" || request.method == "PUT" { text += "Content-Length: 0\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    // MARK: Errors

    private func mapBeforeHead(_ error: any Error, place: String) -> any Error {
        if error is CancellationError || error is TransportError { return error }
        if let failure = error as? HTTPResponseParser.Failure {
            return TransportError(.unreachable, "cannot reach the Space at \(place): \(failure.description)")
        }
        return mapConnectError(error, place: place)
    }

    /// The reason in a BoringSSL error stack (`…:CERTIFICATE_VERIFY_FAILED at /path…` →
    /// "certificate verify failed"), without source paths.
    static func tlsReason(_ text: String) -> String {
        let words = text.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "(" || $0 == ")" || $0 == "[" || $0 == "]" })
        if let code = words.last(where: { $0.count >= 6 && $0.allSatisfy { $0.isUppercase || $0 == "_" } && $0.contains("_") }) {
            return code.lowercased().replacing("_", with: " ")
        }
        if text.contains("EOF during handshake") || text.contains("uncleanShutdown") { return "the server closed the connection during the handshake" }
        if text.contains("hostname") || text.contains("Hostname") { return "the certificate is not for this host" }
        return oneLine(text.split(separator: "/").first.map(String.init) ?? text, limit: 80)
    }

    private func mapConnectError(_ error: any Error, place: String) -> any Error {
        if error is CancellationError || error is TransportError { return error }
        let text = String(describing: error)
        let typeName = String(reflecting: type(of: error))
        let reason: String
        if let error = error as? ChannelError, case .connectTimeout = error {
            reason = "connection timed out"
        } else if typeName.contains("NIOSSL") || typeName.contains("BoringSSL") || text.contains("handshake") || text.contains("certificate") {
            reason = "TLS handshake failed (\(Self.tlsReason(text)))"
        } else if text.contains("dnsAError") || text.contains("dnsAAAAError") || text.contains("DNS") || text.contains("hostname") {
            if text.contains("connectionErrors: []") || !text.contains("ECONNREFUSED") && !text.contains("Connection refused") {
                reason = "DNS lookup failed"
            } else {
                reason = "connection refused"
            }
        } else if text.contains("refused") || text.contains("ECONNREFUSED") {
            reason = "connection refused"
        } else if text.contains("eof") || text.contains("ioOnClosedChannel") || text.contains("ECONNRESET") || text.contains("reset by peer") {
            reason = "the connection closed before an answer"
        } else {
            reason = oneLine(text, limit: 160)
        }
        let through = proxy.map { " (through the proxy at \($0.host):\($0.port))" } ?? ""
        return TransportError(.unreachable, "cannot reach the Space at \(place)\(through): \(reason)")
    }
}

/// Where a channel initializer leaves the inbox it made, by channel.
private final class InboxSlot: Sendable {
    let inboxes = Mutex<[ObjectIdentifier: ConnectionInbox]>([:])
}

/// One response's body as the caller reads it: raw connection bytes through the response
/// parser. Read by one task at a time (the `HTTPStreamingResponse` contract); when the
/// caller lets go before the end, the connection is closed.
private final class ResponseBody: @unchecked Sendable {
    private let inbox: ConnectionInbox
    private let origin: String
    private weak var transport: HTTP1Transport?
    private var parser = HTTPResponseParser()
    /// Body bytes already read past the head, for the first `next()`.
    private var pending: [UInt8] = []
    private var done = false
    private var recycler = BufferRecycler()
    /// False once bytes arrived past the response's end: the connection is out of step.
    private var reusable = true
    private let headFlag = Atomic<Bool>(false)

    var headReceived: Bool { headFlag.load(ordering: .relaxed) }

    init(inbox: ConnectionInbox, origin: String, transport: HTTP1Transport) {
        self.inbox = inbox
        self.origin = origin
        self.transport = transport
    }

    deinit {
        if !done { abandon() }
    }

    func readHead() async throws -> HTTPResponseHead {
        while true {
            if let head = parser.head {
                headFlag.store(true, ordering: .relaxed)
                if parser.isComplete { complete() }
                return head
            }
            guard let batch = try await inbox.next() else {
                try parser.finish()
                continue
            }
            try feed(batch, into: &pending)
        }
    }

    /// The next body bytes; nil at the end.
    func next() async throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        var body: [UInt8] = []
        defer { recycler.handOut(body) }
        while body.isEmpty {
            if done || parser.isComplete {
                complete()
                return nil
            }
            let batch: [ByteBuffer]?
            do {
                batch = try await inbox.next()
            } catch {
                abandon()
                throw Self.bodyError(error)
            }
            guard let batch else {
                do {
                    try parser.finish()
                } catch {
                    abandon()
                    throw Self.bodyError(error)
                }
                continue
            }
            do {
                if body.capacity == 0 { body = recycler.emptyBuffer(minimumCapacity: ConnectionInbox.batchCapacity) }
                try feed(batch, into: &body)
            } catch {
                abandon()
                throw Self.bodyError(error)
            }
        }
        if parser.isComplete { complete() }
        return body
    }

    private func feed(_ batch: [ByteBuffer], into body: inout [UInt8]) throws {
        // Bytes after the response: the connection is out of step, so it is not reused.
        if try parser.feed(batch, body: &body) { reusable = false }
    }

    private static func bodyError(_ error: any Error) -> any Error {
        if error is CancellationError || error is TransportError { return error }
        if let failure = error as? HTTPResponseParser.Failure { return TransportError(.connectionLost, failure.description) }
        return TransportError(.connectionLost, oneLine(String(describing: error), limit: 160))
    }

    /// The response was read to its end: the connection goes back for another request.
    private func complete() {
        guard !done else { return }
        done = true
        inbox.stopWatching()
        if parser.keepAlive, reusable, let transport {
            transport.release(inbox, origin: origin)
        } else {
            inbox.channel.close(promise: nil)
        }
    }

    /// The caller stopped early or the response went wrong: the connection is closed (unless
    /// the response was complete and the connection already went back for another request).
    func abandon() {
        guard !done else { return }
        done = true
        inbox.stopWatching()
        inbox.channel.close(promise: nil)
    }
}

extension HTTPResponseParser {
    /// Reads socket reads as NIO handed them over; true when bytes were left after the
    /// response's end.
    mutating func feed(_ buffers: [ByteBuffer], body: inout [UInt8]) throws -> Bool {
        for buffer in buffers {
            let count = buffer.readableBytes
            let used = try buffer.withUnsafeReadableBytes { raw in
                try feed(raw.assumingMemoryBound(to: UInt8.self), body: &body)
            }
            if used < count { return true }
        }
        return false
    }
}
