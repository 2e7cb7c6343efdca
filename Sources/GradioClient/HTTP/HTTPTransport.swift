/// A request as the Gradio client needs it: small, fully buffered bodies.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: [(String, String)]

    public init(status: Int, headers: [(String, String)] = []) {
        self.status = status
        self.headers = headers
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.0.lowercased() == lowered }?.1
    }
}

/// A response whose body arrives chunk by chunk; `nextChunk` returns nil at the end.
public struct HTTPStreamingResponse: Sendable {
    public var head: HTTPResponseHead
    public var nextChunk: @Sendable () async throws -> [UInt8]?

    public init(head: HTTPResponseHead, nextChunk: @escaping @Sendable () async throws -> [UInt8]?) {
        self.head = head
        self.nextChunk = nextChunk
    }
}

/// The network under the Gradio client. Real traffic goes through `AsyncHTTPClientTransport`;
/// tests feed recorded bytes, split however they like, through their own conformance.
public protocol HTTPTransport: Sendable {
    /// Performs a request and returns its whole body.
    func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8])
    /// Performs a request and hands back the body as it streams.
    func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse
}

/// Transport failures, in terms the Gradio client turns into user-facing errors.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case unreachable
        case idleTimeout
        case connectionLost
        /// The request itself cannot go out (a header value with a line break); nothing was sent.
        case invalidRequest
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
