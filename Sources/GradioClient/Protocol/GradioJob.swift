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
    }

    public let eventID: String?
    public let sendsDiffs: Bool
    /// The current output values; nil until the first `process_generating` or completion.
    public private(set) var outputs: [JSONValue]?
    public private(set) var isFinished = false
    /// The outputs' size as `JSONValue.textSize` counts it, at most `maximumOutputBytes`.
    public private(set) var outputBytes = 0
    public let maximumOutputBytes: Int

    public init(eventID: String?, sendsDiffs: Bool, maximumOutputBytes: Int = .max) {
        self.eventID = eventID
        self.sendsDiffs = sendsDiffs
        self.maximumOutputBytes = maximumOutputBytes
    }

    public mutating func handle(_ message: GradioMessage) -> Step {
        if let id = message.eventID, let eventID, id != eventID { return .ignore }
        switch message.kind {
        case .estimation(let rank, let queueSize, let eta):
            // The Space's numbers, clamped: a rank of Int.max must not overflow the +1.
            let position = min(max(rank ?? 0, 0), 1_000_000_000) + 1
            return .event(.queued(position: position, queueSize: queueSize.map { min(max($0, 0), 1_000_000_000) }, eta: Self.seconds(eta)))
        case .processStarts(let eta):
            return .event(.started(eta: Self.seconds(eta)))
        case .processGenerating(let output, let success):
            guard success else { return finish(.fail(.upstreamError(output["error"]?.stringValue, title: output["title"]?.stringValue))) }
            guard case .array(let data)? = output["data"] else {
                return .event(.warning("a generating message without output data was skipped"))
            }
            return applyGenerating(data)
        case .processCompleted(let output, let success):
            if !success {
                return finish(.fail(.upstreamError(output["error"]?.stringValue, title: output["title"]?.stringValue)))
            }
            guard case .array(let data)? = output["data"] else {
                // Gradio answers a cancel with `output: {}` and success; a job this client did
                // not cancel that ends so has no reply (the shell reports a cancel as such).
                return finish(.fail(GradioError(.badResponse, "the Space ended the job without any output")))
            }
            outputs = nil
            outputs = data
            outputBytes = data.reduce(0) { $0 + $1.textSize }
            if outputBytes > maximumOutputBytes { return tooLarge() }
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

    /// A duration the Space gave, if it is one: finite, not negative, under a year.
    static func seconds(_ value: Double?) -> Double? {
        guard let value, value.isFinite, value >= 0, value < 31_536_000 else { return nil }
        return value
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
            outputBytes = data.reduce(0) { $0 + $1.textSize }
            return outputBytes > maximumOutputBytes ? tooLarge() : .event(.generating(edits: nil))
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
                // What the ops add: an upper bound (a replace may shrink the value), made
                // exact below when it passes the limit.
                outputBytes += ops.reduce(0) { $0 + $1.value.textSize }
                try outputs![index].apply(ops)
                allEdits.append(ops)
            }
        } catch {
            return badEdits(error)
        }
        if outputBytes > maximumOutputBytes {
            outputBytes = outputs!.reduce(0) { $0 + $1.textSize }
            if outputBytes > maximumOutputBytes { return tooLarge() }
        }
        return .event(.generating(edits: allEdits))
    }

    private mutating func tooLarge() -> Step {
        finish(.fail(GradioError(.tooLarge, "the Space's reply passed the size limit (\(GradioLimits.size(maximumOutputBytes)))")))
    }

    private mutating func badEdits(_ error: any Error) -> Step {
        finish(.fail(GradioError(.badResponse, "the Space sent an update this client cannot apply (\(error))")))
    }
}
