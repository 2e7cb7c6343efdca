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
    /// The path of the last edit op read, shared by the next ones that repeat it.
    private var pathMemo = EditPathMemo()
    /// How this job's tokens start, for reading them in one pass.
    private let diffPrefix: StreamedDiffPrefix?
    /// Where the gathered string appends go (see `gather(_:)`), and their text.
    private var gatheredPlace: (index: Int, path: [JSONPathComponent])?
    private var gatheredText: [UInt8] = []
    /// The shape of the last token read in full, which the next ones are compared with.
    private var tokenTemplate: TokenTemplate?

    public init(eventID: String?, sendsDiffs: Bool) {
        self.eventID = eventID
        self.sendsDiffs = sendsDiffs
        diffPrefix = eventID.map(StreamedDiffPrefix.init(eventID:))
    }

    /// Decodes the next message of this job's stream from its bytes, reading edit ops straight
    /// from the wire once the outputs are known (see `GradioMessage.init(bytes:eventID:expectingEdits:)`).
    public mutating func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws -> GradioMessage {
        if let message = try bytes.withContiguousStorageIfAvailable({ try decode(buffer: $0) }) { return message }
        return try Array(bytes).withUnsafeBufferPointer { try decode(buffer: $0) }
    }

    private mutating func decode(buffer: UnsafeBufferPointer<UInt8>) throws -> GradioMessage {
        let expectingEdits = sendsDiffs && outputs != nil
        if expectingEdits, let diffPrefix, let message = GradioMessage(streamedDiff: buffer, prefix: diffPrefix, memo: &pathMemo) {
            return message
        }
        return try GradioMessage(buffer: buffer, expected: eventID, expectingEdits: expectingEdits, memo: &pathMemo)
    }

    /// Takes a message that is a streamed token appending a string to the same place as the
    /// tokens gathered before it, without applying it yet: a run of tokens becomes one
    /// append of their text (`applyGathered()`). False for any other message, which the
    /// caller then applies the gathered tokens before, and decodes.
    public mutating func gather(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard sendsDiffs, !isFinished, let count = outputs?.count, let diffPrefix else { return false }
        let before = gatheredText.count
        let index: Int
        let path: [JSONPathComponent]
        if let template = tokenTemplate, template.read(buffer, into: &gatheredText) {
            (index, path) = (template.index, template.path)
        } else {
            guard let found = GradioMessage.streamedStringAppend(buffer, prefix: diffPrefix, outputs: count, memo: &pathMemo, text: &gatheredText) else {
                return false
            }
            (index, path) = (found.index, found.path)
            tokenTemplate = TokenTemplate(message: buffer, string: found.string, index: index, path: path)
        }
        if let place = gatheredPlace {
            guard place.index == index, place.path == path else {
                gatheredText.removeSubrange(before...)
                return false
            }
        } else {
            gatheredPlace = (index, path)
        }
        return true
    }

    /// Applies the gathered tokens as one append of their text, which is what applying them
    /// one by one does (a failure included: each would fail the same way on the same value).
    /// Nil when nothing is gathered.
    public mutating func applyGathered() -> Step? {
        guard let place = gatheredPlace, let count = outputs?.count else { return nil }
        gatheredPlace = nil
        let text = String(decoding: gatheredText, as: UTF8.self)
        gatheredText.removeAll(keepingCapacity: gatheredText.capacity <= 1 << 20)
        var edits = [[EditOperation]](repeating: [], count: count)
        edits[place.index] = [EditOperation(.append, place.path, .string(text))]
        return applyEdits(edits)
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
            if let edits = message.edits, sendsDiffs, outputs != nil { return applyEdits(edits) }
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

    private mutating func applyGenerating(_ data: [JSONValue]) -> Step {
        guard sendsDiffs, outputs != nil else {
            outputs = nil
            outputs = data
            return .event(.generating(edits: nil))
        }
        var allEdits: [[EditOperation]] = []
        allEdits.reserveCapacity(data.count)
        for (index, item) in data.enumerated() {
            guard case .array(let rawOps) = item else { return badEdits(EditError("output \(index) is not a list of edits")) }
            do {
                allEdits.append(try rawOps.map(EditOperation.init(wire:)))
            } catch {
                return badEdits(error)
            }
        }
        return applyEdits(allEdits)
    }

    private mutating func applyEdits(_ allEdits: [[EditOperation]]) -> Step {
        guard allEdits.count == outputs!.count else {
            return badEdits(EditError("edits for \(allEdits.count) outputs, have \(outputs!.count)"))
        }
        do {
            for (index, ops) in allEdits.enumerated() where !ops.isEmpty {
                try outputs![index].apply(ops)
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
