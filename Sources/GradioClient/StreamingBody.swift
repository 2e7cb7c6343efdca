import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// A streamed response body, received on the event loop and handed to the one task that reads
/// it in batches: each read takes everything that arrived since the last one.
///
/// Gradio sends every SSE message as its own HTTP chunk, so a token-per-chunk stream costs an
/// append per chunk on the event loop rather than an async hand-off per chunk. The idle
/// timeout is a watchdog per stream, not a timer re-armed on every chunk. The request lives
/// until the body ends or `cancel()`; async-http-client holds the delegate until then.
final class StreamingBody: HTTPClientResponseDelegate, Sendable {
    typealias Response = Void

    /// Reading pauses when this much is waiting for the reader.
    static let highWater = 1 << 20
    /// The most one read hands over, which bounds what the reader holds at once.
    static let maxBatch = 256 << 10

    private struct State {
        var head: NIOHTTP1.HTTPResponseHead?
        var buffered: [UInt8] = []
        /// Where the reader's next batch starts in `buffered`.
        var readIndex = 0
        var finished = false
        var failure: (any Error)?
        var headWaiter: CheckedContinuation<NIOHTTP1.HTTPResponseHead, any Error>?
        var bodyWaiter: CheckedContinuation<[UInt8]?, any Error>?
        /// Completed when the reader takes the buffer; the event loop reads no more until then.
        var paused: EventLoopPromise<Void>?
        var lastActivity = NIODeadline.now()
        var watchdog: RepeatedTask?
        var task: HTTPClient.Task<Void>?
        /// The reader let go: what still arrives is dropped.
        var cancelled = false

        /// Bytes received and not yet handed to the reader.
        var waiting: Int { buffered.count - readIndex }

        /// The next batch for the reader: the whole buffer (moved, not copied) when it is
        /// small enough, else its next `maxBatch` bytes.
        mutating func takeBatch() -> [UInt8] {
            if waiting <= StreamingBody.maxBatch {
                var batch: [UInt8] = []
                if readIndex == 0 {
                    swap(&batch, &buffered)
                } else {
                    batch = Array(buffered[readIndex...])
                    buffered.removeAll(keepingCapacity: true)
                    readIndex = 0
                }
                return batch
            }
            let end = readIndex + StreamingBody.maxBatch
            let batch = Array(buffered[readIndex..<end])
            readIndex = end
            if readIndex >= 4 * StreamingBody.maxBatch {
                buffered.removeSubrange(0..<readIndex)
                readIndex = 0
            }
            return batch
        }
    }

    private let state = Mutex(State())
    private let idleTimeout: TimeAmount
    private let idleError: @Sendable (_ headReceived: Bool) -> any Error

    /// - Parameter idleError: what a reader gets when nothing arrived for `idleTimeout`.
    init(idleTimeout: TimeAmount, idleError: @escaping @Sendable (_ headReceived: Bool) -> any Error) {
        self.idleTimeout = idleTimeout
        self.idleError = idleError
    }

    /// Ends the request: the reader is done with it (it may stop at the message it wanted
    /// while the server keeps the stream open).
    func cancel() {
        let (task, watchdog, paused, finished) = state.withLock { state in
            state.cancelled = true
            state.buffered = []
            state.readIndex = 0
            defer {
                state.watchdog = nil
                state.paused = nil
            }
            return (state.task, state.watchdog, state.paused, state.finished || state.failure != nil)
        }
        watchdog?.cancel()
        if !finished { task?.cancel() }
        // async-http-client reports the cancellation only once the pending body part is done.
        paused?.succeed()
    }

    /// Starts watching a running request for idleness.
    func attach(_ task: HTTPClient.Task<Void>) {
        let interval = TimeAmount.nanoseconds(max(min(idleTimeout.nanoseconds / 4, 1_000_000_000), 10_000_000))
        let watchdog = task.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            self?.checkIdle()
        }
        state.withLock {
            $0.task = task
            $0.watchdog = watchdog
        }
    }

    private func checkIdle() {
        let (expired, headReceived) = state.withLock { state -> (Bool, Bool) in
            // While paused it is the reader that is slow, not the server.
            guard !state.finished, state.failure == nil, !state.cancelled, state.paused == nil else { return (false, false) }
            return (NIODeadline.now() - state.lastActivity >= idleTimeout, state.head != nil)
        }
        if expired { fail(idleError(headReceived), cancelling: true) }
    }

    // MARK: Event loop side

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: NIOHTTP1.HTTPResponseHead) -> EventLoopFuture<Void> {
        let waiter = state.withLock { state in
            state.head = head
            state.lastActivity = .now()
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        waiter?.resume(returning: head)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let (waiter, batch, paused) = state.withLock { state -> (CheckedContinuation<[UInt8]?, any Error>?, [UInt8], EventLoopPromise<Void>?) in
            state.lastActivity = .now()
            guard !state.cancelled else { return (nil, [], nil) }
            state.buffered.append(contentsOf: buffer.readableBytesView)
            if let waiter = state.bodyWaiter {
                state.bodyWaiter = nil
                return (waiter, state.takeBatch(), nil)
            }
            if state.waiting >= Self.highWater {
                let promise = task.eventLoop.makePromise(of: Void.self)
                state.paused = promise
                return (nil, [], promise)
            }
            return (nil, [], nil)
        }
        waiter?.resume(returning: batch)
        return paused?.futureResult ?? task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        fail(error, cancelling: false)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        let (waiter, batch, watchdog) = state.withLock { state -> (CheckedContinuation<[UInt8]?, any Error>?, [UInt8]?, RepeatedTask?) in
            state.finished = true
            defer { state.watchdog = nil }
            guard let waiter = state.bodyWaiter else { return (nil, nil, state.watchdog) }
            state.bodyWaiter = nil
            return (waiter, state.waiting > 0 ? state.takeBatch() : nil, state.watchdog)
        }
        watchdog?.cancel()
        waiter?.resume(returning: batch)
    }

    private func fail(_ error: any Error, cancelling: Bool) {
        let (headWaiter, bodyWaiter, paused, watchdog, task) = state.withLock { state in
            if state.failure == nil, !state.finished { state.failure = error }
            defer {
                state.headWaiter = nil
                state.bodyWaiter = nil
                state.paused = nil
                state.watchdog = nil
            }
            return (state.headWaiter, state.bodyWaiter, state.paused, state.watchdog, state.task)
        }
        watchdog?.cancel()
        headWaiter?.resume(throwing: error)
        bodyWaiter?.resume(throwing: error)
        paused?.succeed()
        if cancelling { task?.cancel() }
    }

    // MARK: Reader side

    /// The response head, once it arrived.
    func head() async throws -> NIOHTTP1.HTTPResponseHead {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<NIOHTTP1.HTTPResponseHead, any Error>? = state.withLock { state in
                    if let head = state.head { return .success(head) }
                    if let failure = state.failure { return .failure(failure) }
                    state.headWaiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { $0.task }?.cancel()
        }
    }

    /// Everything received since the last call, waiting if nothing is; nil at the end.
    func next() async throws -> [UInt8]? {
        if let ready = try takeReady() { return ready.bytes }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<[UInt8]?, any Error>?
                do {
                    ready = try takeReady(orWait: continuation).map { .success($0.bytes) }
                } catch {
                    ready = .failure(error)
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { $0.task }?.cancel()
        }
    }

    private struct Ready {
        var bytes: [UInt8]?
    }

    /// The buffered bytes or the end of the body, if either is there; otherwise registers
    /// `waiter` (when given) and returns nil.
    private func takeReady(orWait waiter: CheckedContinuation<[UInt8]?, any Error>? = nil) throws -> Ready? {
        let (ready, paused) = try state.withLock { state -> (Ready?, EventLoopPromise<Void>?) in
            if state.waiting > 0 {
                let batch = state.takeBatch()
                guard state.waiting < Self.highWater, let paused = state.paused else { return (Ready(bytes: batch), nil) }
                state.paused = nil
                state.lastActivity = .now()
                return (Ready(bytes: batch), paused)
            }
            if let failure = state.failure { throw failure }
            if state.finished { return (Ready(bytes: nil), nil) }
            if let waiter { state.bodyWaiter = waiter }
            return (nil, nil)
        }
        paused?.succeed()
        return ready
    }
}

/// The reader's hold on a streamed body: when the reader lets go of it, the request ends.
final class StreamingBodyReader: Sendable {
    let body: StreamingBody

    init(_ body: StreamingBody) {
        self.body = body
    }

    deinit {
        body.cancel()
    }

    func next() async throws -> [UInt8]? {
        try await body.next()
    }
}
