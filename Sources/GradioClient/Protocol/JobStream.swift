/// One job's data stream, read chunk by chunk: SSE events become job steps, and the tokens of a
/// chunk are gathered into one append (`GradioJob.gather`). Sans-I/O: `GradioClient.follow`
/// feeds it network reads and stops when it has an outcome.
///
/// Tokens (string appends to one place) are applied as one append when something else comes
/// or the chunk is used up: the outputs are the same, and applying, text tracking, the
/// sanitizer and drawing run once per read instead of once per token. Any other message is
/// applied and reported on its own, so consumers still see every revision.
struct JobStream {
    private var parser = ServerSentEventParser()
    private var job: GradioJob
    private var warnedMalformed = false
    /// How the job ended, once it did.
    private(set) var outcome: GradioJob.Step?

    init(job: GradioJob) {
        self.job = job
    }

    /// Reads one network read's bytes, calling `onEvent` for each step with the outputs after it.
    mutating func read(_ chunk: [UInt8], onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        // The parser is moved out while it calls back into this stream.
        var parser = ServerSentEventParser()
        swap(&parser, &self.parser)
        defer { swap(&parser, &self.parser) }
        try parser.feedViews(chunk) { event in try take(event.data, onEvent: onEvent) }
        try applyGathered(onEvent: onEvent)
    }

    private mutating func take(_ data: UnsafeBufferPointer<UInt8>, onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        guard outcome == nil, !job.gather(data) else { return }
        try applyGathered(onEvent: onEvent)
        guard outcome == nil else { return }
        let message: GradioMessage
        do {
            message = try job.decode(data)
        } catch {
            if !warnedMalformed {
                warnedMalformed = true
                try onEvent(.warning("skipped a malformed event from the Space (\(error))"), job.outputs ?? [])
            }
            return
        }
        try report(job.handle(message), onEvent: onEvent)
    }

    private mutating func applyGathered(onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        guard outcome == nil, let step = job.applyGathered() else { return }
        try report(step, onEvent: onEvent)
    }

    private mutating func report(_ step: GradioJob.Step, onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        switch step {
        case .ignore: break
        case .event(let jobEvent):
            try onEvent(jobEvent, job.outputs ?? [])
            if jobEvent == .completed { outcome = .event(.completed) }
        default:
            outcome = step
        }
    }
}
