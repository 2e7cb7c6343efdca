import Foundation
import GradioClient

/// A transport that serves canned responses, streams bodies in the chunks a test chooses,
/// and records every request.
public final class FakeTransport: HTTPTransport, @unchecked Sendable {
    public enum StreamEnd: Sendable {
        case eof
        case fail(TransportError)
        /// Wait until the reading task is cancelled.
        case block
    }

    public enum Reply: Sendable {
        case body(status: Int, headers: [(String, String)], body: [UInt8])
        case stream(status: Int, chunks: [[UInt8]], end: StreamEnd)
        case fail(TransportError)
        /// Never answers (until the request's task is cancelled).
        case hang

        public static func json(_ status: Int, _ text: String) -> Reply {
            .body(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
        }

        public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> Reply {
            .body(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
        }
    }

    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private var blockedFlag = false
    private let route: @Sendable (HTTPRequest) -> Reply

    public init(route: @escaping @Sendable (HTTPRequest) -> Reply) {
        self.route = route
    }

    /// Routes by path: `/config`, `/queue/join`, `/queue/data`, `/cancel`.
    public convenience init(config: Reply = .json(404, #"{"detail":"Not Found"}"#), join: Reply, data: Reply, cancel: Reply = .json(200, #"{"success":true}"#)) {
        self.init { request in
            let path = request.url.split(separator: "?")[0]
            if path.hasSuffix("/config") { return config }
            if path.hasSuffix("/queue/join") { return join }
            if path.hasSuffix("/queue/data") { return data }
            if path.hasSuffix("/cancel") { return cancel }
            return .text(404, "no route")
        }
    }

    public var requests: [HTTPRequest] { lock.withLock { recorded } }
    public var isBlocked: Bool { lock.withLock { blockedFlag } }

    private func record(_ request: HTTPRequest) -> Reply {
        lock.withLock { recorded.append(request) }
        return route(request)
    }

    public func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
        switch record(request) {
        case .body(let status, let headers, let body): return (HTTPResponseHead(status: status, headers: headers), body)
        case .stream(let status, let chunks, _): return (HTTPResponseHead(status: status), chunks.flatMap { $0 })
        case .fail(let error): throw error
        case .hang:
            try await Task.sleep(for: .seconds(600))
            throw TransportError(.idleTimeout, "no answer")
        }
    }

    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let head: HTTPResponseHead
        let chunks: [[UInt8]]
        let end: StreamEnd
        switch record(request) {
        case .body(let status, let headers, let body):
            head = HTTPResponseHead(status: status, headers: headers)
            chunks = [body]
            end = .eof
        case .stream(let status, let c, let e):
            head = HTTPResponseHead(status: status, headers: [("Content-Type", "text/event-stream; charset=utf-8")])
            chunks = c
            end = e
        case .fail(let error):
            throw error
        case .hang:
            try await Task.sleep(for: .seconds(600))
            throw TransportError(.idleTimeout, "no answer")
        }
        let queue = ChunkQueue(chunks)
        return HTTPStreamingResponse(head: head) { [self] in
            if let chunk = queue.next() { return chunk }
            switch end {
            case .eof: return nil
            case .fail(let error): throw error
            case .block:
                lock.withLock { blockedFlag = true }
                try await Task.sleep(for: .seconds(600))
                return nil
            }
        }
    }

    final class ChunkQueue: @unchecked Sendable {
        private let lock = NSLock()
        private var chunks: [[UInt8]]
        private var index = 0
        init(_ chunks: [[UInt8]]) { self.chunks = chunks }
        func next() -> [UInt8]? {
            lock.withLock {
                guard index < chunks.count else { return nil }
                defer { index += 1 }
                return chunks[index]
            }
        }
    }
}
