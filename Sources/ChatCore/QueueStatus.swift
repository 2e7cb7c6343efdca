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
        if let eta, eta.isFinite, eta >= 1 { line += ", about \(Int(eta.rounded())) s" }
        return line
    }
}
