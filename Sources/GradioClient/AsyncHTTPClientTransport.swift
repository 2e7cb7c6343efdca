import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

/// The real network: async-http-client (connections, TLS, proxies, a connect timeout), with
/// bodies read through `StreamingBody` (batches, an idle watchdog).
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient

    /// - Parameters:
    ///   - idleTimeout: how long a request may go without an answer or a byte of body (Gradio
    ///     sends heartbeats about every 15 s, so a healthy stream never trips it).
    public init(proxy: ProxySettings?, connectTimeout: Duration = .seconds(20), idleTimeout: Duration = .seconds(60)) {
        var configuration = HTTPClient.Configuration()
        // No read timeout here: async-http-client re-arms it on every body chunk, which costs
        // more than parsing the chunk. Every request gets a watchdog instead (StreamingBody).
        configuration.timeout = .init(connect: Self.timeAmount(connectTimeout))
        configuration.decompression = .enabled(limit: .none)
        // A refused connection is an answer: report it now instead of retrying until the
        // connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy {
            configuration.proxy = .server(
                host: proxy.host,
                port: proxy.port,
                authorization: proxy.credentials.map { .basic(credentials: Data($0.utf8).base64EncodedString()) }
            )
        }
        self.idleTimeout = Self.timeAmount(idleTimeout)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private let idleTimeout: TimeAmount

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    deinit {
        try? client.syncShutdown()
    }

    /// The whole body (at most 64 MB), under the same idle watchdog as a stream: no answer or
    /// no byte for the idle timeout is an error, at any point of the request.
    public func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        let response = try await stream(request)
        var body: [UInt8] = []
        while body.count <= 64 << 20, let chunk = try await response.nextChunk() {
            if body.isEmpty { body = chunk } else { body += chunk }
        }
        return (response.head, body)
    }

    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let idleSeconds = idleTimeout.nanoseconds / 1_000_000_000
        let place = Self.place(request.url)
        let body = StreamingBody(idleTimeout: idleTimeout) { headReceived in
            headReceived
                ? TransportError(.idleTimeout, "no data from the Space for \(idleSeconds) s")
                : TransportError(.idleTimeout, "no answer from \(place) for \(idleSeconds) s")
        }
        do {
            var headers = HTTPHeaders()
            for (name, value) in request.headers { headers.add(name: name, value: value) }
            headers.replaceOrAdd(name: "User-Agent", value: "qwen-chat")
            let outgoing = try HTTPClient.Request(
                url: request.url,
                method: HTTPMethod(rawValue: request.method),
                headers: headers,
                body: request.body.map { .bytes($0) }
            )
            body.attach(client.execute(request: outgoing, delegate: body))
            let reader = StreamingBodyReader(body)
            let head = try await body.head()
            return HTTPStreamingResponse(
                head: HTTPResponseHead(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) })
            ) { [self] in
                do {
                    return try await reader.next()
                } catch {
                    throw self.mapBodyError(error)
                }
            }
        } catch {
            throw mapConnectError(error, url: request.url)
        }
    }

    private static func place(_ url: String) -> String {
        URLParts(url).map { "\($0.host):\($0.port)" } ?? URLParts.redacting(url)
    }

    private func mapConnectError(_ error: any Error, url: String) -> any Error {
        if error is CancellationError || error is TransportError { return error }
        if let error = error as? HTTPClientError, error == .cancelled { return CancellationError() }
        let place = Self.place(url)
        let text = String(describing: error)
        let typeName = String(reflecting: type(of: error))
        let reason: String
        if let error = error as? HTTPClientError, error == .connectTimeout {
            reason = "connection timed out"
        } else if typeName.contains("NIOSSL") || text.contains("handshake") || text.contains("certificate") {
            reason = "TLS handshake failed"
        } else if text.contains("dnsAError") || text.contains("dnsAAAAError") || text.contains("DNS") || text.contains("hostname") {
            if text.contains("connectionErrors: []") || !text.contains("ECONNREFUSED") && !text.contains("Connection refused") {
                reason = "DNS lookup failed"
            } else {
                reason = "connection refused"
            }
        } else if text.contains("refused") || text.contains("ECONNREFUSED") {
            reason = "connection refused"
        } else if let error = error as? HTTPClientError, error == .proxyAuthenticationRequired || error == .invalidProxyResponse {
            reason = "the proxy refused the connection"
        } else {
            reason = oneLine(text, limit: 160)
        }
        return TransportError(.unreachable, "cannot reach the Space at \(place): \(reason)")
    }

    private func mapBodyError(_ error: any Error) -> any Error {
        if error is CancellationError || error is TransportError { return error }
        if let error = error as? HTTPClientError {
            if error == .cancelled { return CancellationError() }
        }
        return TransportError(.connectionLost, oneLine(String(describing: error), limit: 160))
    }
}
