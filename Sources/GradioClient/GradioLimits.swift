/// How much a Space may send and how long it may take: every byte a Space sends is untrusted,
/// so each of these ends a request with one line instead of letting it grow or hang.
public struct GradioLimits: Sendable, Equatable {
    /// One event's data: as large as the reply may be (a completed job's event carries the
    /// whole reply), plus room for the rest of the message.
    public var maximumEventBytes: Int { maximumOutputBytes + (1 << 20) }
    /// Any other line of the data stream: a comment, `event:`, `id:`.
    public var maximumFieldBytes: Int
    /// The job's output values, roughly as many bytes as their text (the reply and its chatbot).
    public var maximumOutputBytes: Int
    /// The stream may go this long without a complete event (heartbeats count) unless bytes
    /// keep coming at 8 a second or more: a trickle of a byte every 2 s does not keep it
    /// alive. nil: only the transport's idle timeout.
    public var eventIdleTimeout: Duration?
    /// The best-effort `/cancel` after Ctrl-C waits at most this long for its answer.
    public var cancelTimeout: Duration

    public init(maximumFieldBytes: Int = 64 << 10, maximumOutputBytes: Int = 64 << 20, eventIdleTimeout: Duration? = nil, cancelTimeout: Duration = .seconds(2)) {
        self.maximumFieldBytes = maximumFieldBytes
        self.maximumOutputBytes = maximumOutputBytes
        self.eventIdleTimeout = eventIdleTimeout
        self.cancelTimeout = cancelTimeout
    }

    /// "64 MB", "512 KB", "100 bytes".
    public static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KB" }
        return "\(bytes) bytes"
    }
}
