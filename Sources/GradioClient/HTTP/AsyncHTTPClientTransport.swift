import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The real network: async-http-client (HTTP/1.1, or HTTP/2 where the server offers it; TLS;
/// HTTP proxies, through a `CONNECT` tunnel for http and https alike; connections kept between
/// turns; streamed bodies with backpressure), its errors turned into the one-line messages
/// users see.
///
/// The library never sends a request twice: a request on a kept connection that fails is
/// reported, not retried, so a `POST /queue/join` can never queue a second job.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    private let proxy: ProxySettings?
    private let idleSeconds: Int64
    private let requestTimeout: Duration
    private let trustedCertificatesFile: String?

    /// - Parameters:
    ///   - idleTimeout: how long a request may go without an answer or a byte of body (Gradio
    ///     sends heartbeats about every 15 s, so a healthy stream never trips it).
    ///   - requestTimeout: how long a whole answer read by `perform` may take (a trickle of a
    ///     byte now and then never trips the idle timeout); at least the idle timeout.
    ///   - trustedCertificatesFile: a PEM bundle of CA certificates that replaces the system's
    ///     (`SSL_CERT_FILE`, as curl and OpenSSL read it).
    public init(proxy: ProxySettings?, connectTimeout: Duration = .seconds(20), idleTimeout: Duration = .seconds(60), requestTimeout: Duration = .seconds(120),
                trustedCertificatesFile: String? = nil) {
        self.proxy = proxy
        self.idleSeconds = idleTimeout.components.seconds
        self.requestTimeout = max(requestTimeout, idleTimeout)
        self.trustedCertificatesFile = trustedCertificatesFile
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: Self.timeAmount(connectTimeout), read: Self.timeAmount(idleTimeout))
        // A small compressed body must not inflate to gigabytes (a decompression bomb); real
        // JSON and event streams compress less than 100-fold.
        configuration.decompression = .enabled(limit: .ratio(100))
        // A refused connection is an answer: report it now instead of retrying until the
        // connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        // A kept connection idle for longer may have been dropped by a NAT or proxy without a
        // word; a request on it would only time out.
        configuration.connectionPool.idleTimeout = .seconds(15)
        configuration.redirectConfiguration = .disallow
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustedCertificatesFile { tls.trustRoots = .file(trustedCertificatesFile) }
        configuration.tlsConfiguration = tls
        if let proxy {
            let authorization = proxy.credentials.map { HTTPClient.Authorization.basic(credentials: Data($0.utf8).base64EncodedString()) }
            configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        client.shutdown { _ in }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The whole body (at most 64 MB), under the same idle timeout as a stream and within
    /// `requestTimeout` in all.
    public func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        let seconds = requestTimeout.components.seconds
        let place = URLParts(request.url).map { "\($0.host):\($0.port)" } ?? URLParts.redacting(request.url)
        return try await withThrowingTaskGroup(of: (HTTPResponseHead, [UInt8])?.self) { group in
            group.addTask { [self] in
                let response = try await stream(request)
                var body: [UInt8] = []
                while let chunk = try await response.nextChunk() {
                    body += chunk
                    guard body.count <= 64 << 20 else { throw TransportError(.connectionLost, "an answer larger than 64 MB") }
                }
                // A body cut short by the deadline's cancel is not an answer.
                try Task.checkCancellation()
                return (response.head, body)
            }
            group.addTask { [requestTimeout] in
                try await Task.sleep(for: requestTimeout)
                throw TransportError(.idleTimeout, "no complete answer from \(place) in \(seconds) s")
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() ?? nil else { throw CancellationError() }
            return answer
        }
    }

    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let place = URLParts(request.url).map { "\($0.host):\($0.port)" } ?? URLParts.redacting(request.url)
        // A CR or LF in a value would end the header and start another (header injection).
        if let (name, _) = request.headers.first(where: { !Self.isValidHeaderValue($0.1) }) {
            throw TransportError(.invalidRequest, "refusing to send the \(oneLine(name, limit: 40)) header: its value has control characters (a line break?); nothing was sent")
        }
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, deadline: .distantFuture)
        } catch {
            throw failure(error, place: place, headReceived: false)
        }
        let head = HTTPResponseHead(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) })
        let reader = BodyReader(response.body.makeAsyncIterator())
        return HTTPStreamingResponse(head: head) { [self] in
            do {
                return try await reader.next()
            } catch {
                throw failure(error, place: place, headReceived: true)
            }
        }
    }

    /// RFC 9110 field values: no control characters but tab (the rule async-http-client applies).
    static func isValidHeaderValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    // MARK: Errors

    /// The error as the Gradio client reports it, classified by type.
    private func failure(_ error: any Error, place: String, headReceived: Bool) -> any Error {
        if error is CancellationError || error is TransportError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled:
                return CancellationError()
            case .readTimeout:
                return TransportError(.idleTimeout, headReceived ? "no data from the Space for \(idleSeconds) s" : "no answer from \(place) for \(idleSeconds) s")
            case .proxyAuthenticationRequired:
                return proxyRefusal("proxy authentication required; check the proxy's user and password", place: place)
            case .invalidProxyResponse:
                return proxyRefusal("it did not open a tunnel", place: place)
            default:
                break
            }
        }
        if headReceived { return TransportError(.connectionLost, Self.reason(error)) }
        let through = proxy.map { " (through the proxy at \($0.host):\($0.port))" } ?? ""
        return TransportError(.unreachable, "cannot reach the Space at \(place)\(through): \(reason(beforeAnswer: error))")
    }

    private func reason(beforeAnswer error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError where !error.connectionErrors.isEmpty:
            return reason(beforeAnswer: error.connectionErrors[0].error)
        case NIOSSLError.noSuchFilesystemObject, NIOSSLError.failedToLoadCertificate:
            return "cannot set up TLS with the certificates in \(trustedCertificatesFile ?? "the system's store")"
        case NIOSSLError.handshakeFailed(.sslError(let stack)) where stack.contains(.eofDuringHandshake):
            return "TLS handshake failed (the server closed the connection during the handshake)"
        case NIOSSLError.handshakeFailed:
            return "TLS handshake failed (certificate verify failed, or no TLS version in common)"
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "TLS handshake failed (the certificate is not for this host)"
        default:
            return Self.reason(error)
        }
    }

    /// Why a connection failed or dropped, in a few words.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            // No address to try: the name did not resolve.
            guard let first = error.connectionErrors.first else { return "DNS lookup failed" }
            return reason(first.error)
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET, EPIPE: return "the connection was reset"
            case ETIMEDOUT: return "connection timed out"
            case ENETUNREACH, EHOSTUNREACH: return "no route to the host"
            default: return "network error (errno \(error.errnoCode))"
            }
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return "connection timed out"
            case .tlsHandshakeTimeout: return "TLS handshake timed out"
            case .httpProxyHandshakeTimeout: return "the proxy did not answer"
            case .remoteConnectionClosed: return "the connection closed before the answer was complete"
            case .uncleanShutdown: return uncleanShutdown
            case .invalidURL, .emptyHost, .emptyScheme: return "not a usable http:// or https:// URL"
            default: return oneLine(String(describing: error), limit: 160)
            }
        case ChannelError.connectTimeout:
            return "connection timed out"
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.outputClosed:
            return "the connection closed before the answer was complete"
        case NIOSSLError.uncleanShutdown:
            return uncleanShutdown
        case is NIOSSLError, is BoringSSLError:
            return "TLS error (\(oneLine(String(describing: error), limit: 120)))"
        case HTTPParserError.invalidEOFState:
            return "the connection closed in the middle of the answer"
        case is HTTPParserError:
            return "a malformed HTTP answer"
        default:
            return oneLine(String(describing: error), limit: 160)
        }
    }

    private static let uncleanShutdown = "the TLS connection closed without close_notify, so the answer may be cut short"

    private func proxyRefusal(_ reason: String, place: String) -> TransportError {
        let proxy = proxy.map { "\($0.host):\($0.port)" } ?? "?"
        return TransportError(.unreachable, "cannot reach the Space at \(place): the proxy at \(proxy) refused the connection (\(reason))")
    }
}

/// Lets the body iterator be shared with the `@Sendable` chunk closure; one task reads at a
/// time (the `HTTPStreamingResponse` contract).
private final class BodyReader: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> [UInt8]? {
        guard let buffer = try await iterator.next() else { return nil }
        return Array(buffer.readableBytesView)
    }
}
