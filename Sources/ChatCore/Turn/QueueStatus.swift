/// The queue line shown while waiting: "queued: 3 of 7, about 12 s".
public struct QueueStatus: Sendable, Equatable, CustomStringConvertible {
    public var position: Int
    public var queueSize: Int?
    public var eta: Double?

    public init(position: Int, queueSize: Int?, eta: Double?) {
        self.position = position
        self.queueSize = queueSize
        self.eta = eta
    }

    public var description: String {
        var line = "queued: \(position)"
        if let queueSize, queueSize >= position { line += " of \(queueSize)" }
        if let eta, eta.isFinite, eta >= 1, eta < 1e9 { line += ", about \(Int(eta.rounded())) s" }
        return line
    }
}

/// "busy, retrying in 4 s (attempt 1 of 3): the Space's queue is full; try again later"
public func retryStatus(attempt: Int, of total: Int, delay: Double, reason: String) -> String {
    "busy, retrying in \(Int(delay.rounded(.up))) s (attempt \(attempt) of \(total)): \(reason)"
}
