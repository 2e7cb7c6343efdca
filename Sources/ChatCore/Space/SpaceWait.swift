import GradioClient

/// Whether to wait for a Space whose host does not answer like Gradio, given what the Hub
/// says about it and how long we have waited: a sans-I/O state machine the shell asks after
/// each failed request, which then sleeps, goes on, or stops with the one line given.
public struct SpaceWait: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Sleep this long (with this status line), ask the host again, then ask here again.
        case wait(seconds: Double, status: String)
        /// The Hub says it runs (or could not say): the host's own error stands.
        case proceed
        /// Stop: the one line to show (exit 1).
        case fail(String)
    }

    public let spaceID: String
    /// `--wait`: the longest wait, in seconds; 0 does not wait at all.
    public let budget: Double
    /// Whether a token went to the Hub: then a 404 or 401 is not for want of one.
    public let tokenSent: Bool
    public var baseDelay: Double
    public var maxDelay: Double
    private var waits = 0

    public init(spaceID: String, budget: Double, tokenSent: Bool = false, baseDelay: Double = 2, maxDelay: Double = 15) {
        self.spaceID = spaceID
        self.budget = max(0, budget)
        self.tokenSent = tokenSent
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// - Parameter elapsed: seconds since the first request of this wait.
    public mutating func next(_ state: SpaceState, elapsed: Double) -> Decision {
        let space = "the Space \(spaceID)"
        switch state {
        case .running where waits > 0:
            // Woken or built while we waited, but its host does not answer yet: it is starting.
            return waitOrGiveUp(state: "starting", waiting: "waiting", elapsed: elapsed)
        case .running, .unknown:
            return .proceed
        case .sleeping:
            return waitOrGiveUp(state: "asleep", waiting: "waking it up", elapsed: elapsed)
        case .starting(let stage):
            return waitOrGiveUp(state: stage == "BUILDING" ? "building" : "starting", waiting: "waiting", elapsed: elapsed)
        case .paused(let stage):
            return .fail("\(space) is \(stage == "STOPPED" ? "stopped" : "paused") by its owner; it answers again once they restart it")
        case .failed(let stage, let message):
            let what = switch stage {
            case "BUILD_ERROR": "failed to build"
            case "CONFIG_ERROR": "has a configuration error"
            case "NO_APP_FILE": "has no app file"
            default: "has a runtime error"
            }
            return .fail("\(space) \(what)" + (message.map { ": " + oneLine($0) } ?? ""))
        case .noHardware(let requested):
            return .fail("\(space) has no hardware assigned (it requests \(oneLine(requested, limit: 40))); it answers again once its owner assigns some")
        case .deleting:
            return .fail("\(space) is being deleted")
        case .notFound(let status):
            if tokenSent {
                return .fail("the Hub has no Space \(spaceID) that the token given can see (HTTP \(status)); check the id and the token")
            }
            return .fail("the Hub has no public Space \(spaceID) (HTTP \(status)); if it is private, set HF_TOKEN or --token")
        }
    }

    private mutating func waitOrGiveUp(state: String, waiting: String, elapsed: Double) -> Decision {
        let space = "the Space \(spaceID)"
        guard budget > 0 else {
            return .fail("\(space) is \(state) (--wait 0: not waiting for it)")
        }
        let left = budget - elapsed
        guard left >= 0.5 else {
            return .fail("\(space) is still \(state) after \(Int(elapsed.rounded())) s; try again later or raise --wait")
        }
        let exponential = baseDelay * Double(1 << min(waits, 20))
        waits += 1
        let seconds = min(exponential, maxDelay, left)
        return .wait(seconds: seconds, status: "\(space) is \(state); \(waiting) (\(Int(elapsed.rounded())) s of \(Int(budget.rounded())) s)")
    }
}
