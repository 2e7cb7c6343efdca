/// What happened to a submitted job, in the order the stream said it.
public enum JobEvent: Sendable, Equatable {
    case joined(eventID: String)
    /// `position` is 1-based (Gradio's `rank` + 1).
    case queued(position: Int, queueSize: Int?, eta: Double?)
    case started(eta: Double?)
    /// The outputs changed. `edits` holds each output's edit ops, or nil when the server sent
    /// full values (the first message of a job, or `sse_v1`).
    case generating(edits: [[EditOperation]]?)
    case log(level: String?, message: String)
    case progress(JSONValue)
    /// Something odd but survivable, such as a malformed event that was skipped.
    case warning(String)
    /// The Space is busy or waking up; the client waits `delay` seconds and tries again.
    case retrying(attempt: Int, delay: Double, reason: String)
    /// Success: the outputs hold the final values.
    case completed
}

/// A sans-I/O state machine for one job's messages: routes by event id, applies edit ops to
/// its copy of the outputs, and says what happened. The client shell feeds it and acts.
public struct GradioJob: Sendable {
    public enum Step: Sendable, Equatable {
        case event(JobEvent)
        case ignore
        /// The job ended without success.
        case fail(GradioError)
        /// The job was cancelled (the server confirmed with an empty output).
        case cancelled
    }

    public let eventID: String?
    public let sendsDiffs: Bool
    /// The current output values; nil until the first `process_generating` or completion.
    public private(set) var outputs: [JSONValue]?
    public private(set) var isFinished = false

    public init(eventID: String?, sendsDiffs: Bool) {
        self.eventID = eventID
        self.sendsDiffs = sendsDiffs
    }

    public mutating func handle(_ message: GradioMessage) -> Step {
        if let id = message.eventID, let eventID, id != eventID { return .ignore }
        switch message.kind {
        case .estimation(let rank, let queueSize, let eta):
            return .event(.queued(position: (rank ?? 0) + 1, queueSize: queueSize, eta: eta))
        case .processStarts(let eta):
            return .event(.started(eta: eta))
        case .processGenerating(let output, let success):
            guard success else { return finish(.fail(.upstreamError(output["error"]?.stringValue))) }
            guard case .array(let data)? = output["data"] else {
                return .event(.warning("a generating message without output data was skipped"))
            }
            return applyGenerating(data)
        case .processCompleted(let output, let success):
            if !success {
                return finish(.fail(.upstreamError(output["error"]?.stringValue)))
            }
            guard case .array(let data)? = output["data"] else {
                // Gradio answers a cancel with `output: {}` and success.
                return finish(.cancelled)
            }
            outputs = nil
            outputs = data
            return finish(.event(.completed))
        case .log(let level, let text):
            return .event(.log(level: level, message: text))
        case .progress(let data):
            return .event(.progress(data))
        case .unexpectedError(let text):
            return finish(.fail(.unexpected(text)))
        case .heartbeat, .closeStream, .unknown:
            return .ignore
        }
    }

    private mutating func finish(_ step: Step) -> Step {
        isFinished = true
        return step
    }

    /// Full values (the first message of a job, or `sse_v1`) replace the outputs; after them,
    /// `data` holds each output's edit ops, applied in place.
    private mutating func applyGenerating(_ data: [JSONValue]) -> Step {
        guard sendsDiffs, outputs != nil else {
            outputs = nil
            outputs = data
            return .event(.generating(edits: nil))
        }
        guard data.count == outputs!.count else {
            return badEdits(EditError("edits for \(data.count) outputs, have \(outputs!.count)"))
        }
        var allEdits: [[EditOperation]] = []
        allEdits.reserveCapacity(data.count)
        do {
            for (index, item) in data.enumerated() {
                guard case .array(let wire) = item else { throw EditError("output \(index) is not a list of edits") }
                let ops = try wire.map(EditOperation.init(wire:))
                try outputs![index].apply(ops)
                allEdits.append(ops)
            }
        } catch {
            return badEdits(error)
        }
        return .event(.generating(edits: allEdits))
    }

    private mutating func badEdits(_ error: any Error) -> Step {
        finish(.fail(GradioError(.badResponse, "the Space sent an update this client cannot apply (\(error))")))
    }
}
