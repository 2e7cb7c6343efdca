/// One job's data stream, read chunk by chunk: each SSE event is decoded into a message and
/// handed to the job, and what the job says is reported. Sans-I/O: `GradioClient.follow` feeds
/// it network reads and stops when it has an outcome; tests feed it bytes.
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
    }

    private mutating func take(_ data: UnsafeBufferPointer<UInt8>, onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        guard outcome == nil else { return }
        let message: GradioMessage
        do {
            message = try GradioMessage(bytes: data)
        } catch {
            // One warning per stream: a Space that sends junk once usually sends it often.
            if !warnedMalformed {
                warnedMalformed = true
                try onEvent(.warning("skipped a malformed event from the Space (\(error))"), job.outputs ?? [])
            }
            return
        }
        switch job.handle(message) {
        case .ignore: break
        case .event(let jobEvent):
            try onEvent(jobEvent, job.outputs ?? [])
            if jobEvent == .completed { outcome = .event(.completed) }
        case let step:
            outcome = step
        }
    }
}
