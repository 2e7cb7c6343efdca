import NIOCore
import NIOSSL
import Synchronization

/// The bytes a connection received, handed from the event loop to the one task that reads
/// them, in batches: each read takes everything that arrived since the last one.
///
/// Gradio sends every SSE message as its own HTTP chunk; here a socket read of many of them
/// costs the event loop an append of the read's buffer to a list (no copy), and the reader
/// undoes the framing in bulk (`HTTPResponseParser`). Reading pauses while `highWater` bytes wait for the reader. Each
/// request gets an idle watchdog (`watch`) instead of a timer re-armed per read.
final class ConnectionInbox: Sendable {
    /// Reading from the socket pauses when this much is waiting for the reader, which also
    /// bounds what one batch holds.
    static let highWater = 512 << 10
    /// Room for a whole batch (the high water mark and one more socket read), so a batch's
    /// buffer never grows: recycled, its pages are touched once for the whole stream.
    static let batchCapacity = highWater + (64 << 10)

    private struct State {
        /// Socket reads not yet taken, as NIO handed them over.
        var buffered: [ByteBuffer] = []
        var waiting = 0
        /// The peer closed the connection (after the buffered bytes).
        var closed = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<[ByteBuffer]?, any Error>?
        /// A socket read the handler held back because the reader is behind.
        var readHeld = false
        var lastActivity = NIODeadline.now()
        var watchdog: RepeatedTask?
        /// Bytes received since the current request started (a reused connection that fails
        /// before any may be retried on a fresh one).
        var receivedSinceRequest = 0

        /// Everything received so far, moved to the reader.
        mutating func takeBatch() -> [ByteBuffer] {
            var batch: [ByteBuffer] = []
            swap(&batch, &buffered)
            waiting = 0
            return batch
        }
    }

    private let state = Mutex(State())
    let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Whether the connection can carry another request: open, quiet, nothing unread.
    var isReusable: Bool {
        channel.isActive && state.withLock { !$0.closed && $0.failure == nil && $0.waiting == 0 }
    }

    var receivedSinceRequest: Int { state.withLock { $0.receivedSinceRequest } }

    /// What failed the connection, if anything did (a TLS alert explains a failed write).
    var failure: (any Error)? { state.withLock { $0.failure } }

    // MARK: Event loop side (InboxHandler)

    fileprivate func received(_ buffer: ByteBuffer) {
        let waiter = state.withLock { state -> (CheckedContinuation<[ByteBuffer]?, any Error>, [ByteBuffer])? in
            state.lastActivity = .now()
            state.receivedSinceRequest += buffer.readableBytes
            state.buffered.append(buffer)
            state.waiting += buffer.readableBytes
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.takeBatch())
        }
        if let (waiter, batch) = waiter { waiter.resume(returning: batch) }
    }

    /// Whether the handler may pass a socket read on now; if not, it is held until the reader
    /// catches up.
    fileprivate func mayRead() -> Bool {
        state.withLock { state in
            guard state.waiting >= Self.highWater else { return true }
            state.readHeld = true
            return false
        }
    }

    fileprivate func closedByPeer() {
        let waiter = state.withLock { state -> (CheckedContinuation<[ByteBuffer]?, any Error>, [ByteBuffer]?)? in
            state.closed = true
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.waiting > 0 ? state.takeBatch() : nil)
        }
        if let (waiter, batch) = waiter { waiter.resume(returning: batch) }
    }

    /// Fails the reader and closes the connection. Bytes already received are still read
    /// first, unless `dropping` (the reader gave up, or the server went quiet).
    func fail(_ error: any Error, dropping: Bool = true) {
        let (waiter, watchdog) = state.withLock { state in
            if state.failure == nil { state.failure = error }
            if dropping {
                state.buffered = []
                state.waiting = 0
            }
            defer {
                state.waiter = nil
                state.watchdog = nil
            }
            return (state.waiter, state.watchdog)
        }
        watchdog?.cancel()
        waiter?.resume(throwing: error)
        channel.close(promise: nil)
    }

    // MARK: Reader side

    /// Starts a request on this connection: an idle watchdog that fails the reader with
    /// `idleError` when nothing arrives for `timeout` (not counting time the reader is behind).
    func watch(timeout: TimeAmount, idleError: @escaping @Sendable () -> any Error) {
        let interval = TimeAmount.nanoseconds(max(min(timeout.nanoseconds / 4, 1_000_000_000), 10_000_000))
        let watchdog = channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
            guard let self else {
                task.cancel()
                return
            }
            let expired = self.state.withLock { state in
                state.failure == nil && !state.closed && !state.readHeld && NIODeadline.now() - state.lastActivity >= timeout
            }
            if expired { self.fail(idleError()) }
        }
        let previous = state.withLock { state in
            state.lastActivity = .now()
            state.receivedSinceRequest = 0
            defer { state.watchdog = watchdog }
            return state.watchdog
        }
        previous?.cancel()
    }

    /// Ends the current request's watchdog (the response is complete).
    func stopWatching() {
        let watchdog = state.withLock { state in
            defer { state.watchdog = nil }
            return state.watchdog
        }
        watchdog?.cancel()
    }

    /// Everything received since the last call, waiting if nothing is; nil once the peer
    /// closed the connection and everything was read.
    func next() async throws -> [ByteBuffer]? {
        // A reader that is behind always finds bytes waiting: it must still stop when cancelled.
        if Task.isCancelled {
            fail(CancellationError())
            throw CancellationError()
        }
        if let ready = try takeReady(orWait: nil) { return ready.bytes }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                do {
                    if let ready = try takeReady(orWait: continuation) { continuation.resume(returning: ready.bytes) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            fail(CancellationError())
        }
    }

    private struct Ready {
        var bytes: [ByteBuffer]?
    }

    private func takeReady(orWait waiter: CheckedContinuation<[ByteBuffer]?, any Error>?) throws -> Ready? {
        let (ready, resume) = try state.withLock { state -> (Ready?, Bool) in
            if state.waiting > 0 {
                let batch = state.takeBatch()
                guard state.readHeld else { return (Ready(bytes: batch), false) }
                state.readHeld = false
                state.lastActivity = .now()
                return (Ready(bytes: batch), true)
            }
            if let failure = state.failure { throw failure }
            if state.closed { return (Ready(bytes: nil), false) }
            if let waiter { state.waiter = waiter }
            return (nil, false)
        }
        // The held read goes through the pipeline again, now that there is room.
        if resume { channel.read() }
        return ready
    }
}

/// The last handler of a connection's pipeline: feeds its `ConnectionInbox` and holds back
/// socket reads while the reader is behind.
final class InboxHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let inbox: ConnectionInbox

    init(_ inbox: ConnectionInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.received(unwrapInboundIn(data))
    }

    func read(context: ChannelHandlerContext) {
        if inbox.mayRead() { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.closedByPeer()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify: the close itself says whether the
        // response was complete (HTTPResponseParser.finish).
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return
        }
        // What arrived before the error (a whole answer, then a reset) is still read.
        inbox.fail(error, dropping: false)
    }
}
