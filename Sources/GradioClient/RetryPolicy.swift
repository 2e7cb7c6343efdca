/// How to wait and try again when the Space is busy or waking up (queue full, 429, asleep):
/// capped exponential backoff with jitter, so many clients do not return in step.
public struct RetryPolicy: Sendable {
    public var maxRetries: Int
    /// The first delay in seconds; each retry doubles it up to `maxDelay`.
    public var baseDelay: Double
    public var maxDelay: Double
    /// What the waits run on: the real clock, or one a test controls so that retries cost no
    /// wall-clock time.
    public var clock: any Clock<Duration>

    public init(maxRetries: Int, baseDelay: Double = 2, maxDelay: Double = 30, clock: any Clock<Duration> = ContinuousClock()) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.clock = clock
    }

    public static let none = RetryPolicy(maxRetries: 0)

    /// The delay before retry `attempt` (1-based): between half and all of the capped
    /// exponential value, placed by `unitRandom` in [0, 1).
    public func delay(forAttempt attempt: Int, unitRandom: Double) -> Double {
        let exponential = baseDelay * Double(1 << min(max(attempt - 1, 0), 20))
        let capped = min(exponential, maxDelay)
        return capped / 2 + capped / 2 * min(max(unitRandom, 0), 1)
    }

    /// Waits before retry `attempt`, telling `notify` first. Throws `.cancelled` if the task is
    /// cancelled while waiting.
    func wait(attempt: Int, reason: GradioError, notify: (JobEvent) throws -> Void) async throws {
        let seconds = delay(forAttempt: attempt, unitRandom: Double.random(in: 0..<1))
        try notify(.retrying(attempt: attempt, delay: seconds, reason: reason.message))
        do {
            try await clock.sleep(for: .nanoseconds(Int64(seconds * 1_000_000_000)))
        } catch {
            throw GradioError(.cancelled, "cancelled")
        }
    }
}
