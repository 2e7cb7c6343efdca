/// One job's data stream, read chunk by chunk: each SSE event is decoded into a message and
/// handed to the job, and what the job says is reported. Sans-I/O: `GradioClient.follow` feeds
/// it network reads and stops when it has an outcome; tests feed it bytes.
struct JobStream {
    private var parser: ServerSentEventParser
    private var job: GradioJob
    private var warnedMalformed = false
    /// How the job ended, once it did.
    private(set) var outcome: GradioJob.Step?
    /// Complete events read so far (heartbeats too), for the idle timeout that a trickle of
    /// bytes must not reset.
    private(set) var eventCount = 0

    init(job: GradioJob, maximumEventBytes: Int = .max, maximumFieldBytes: Int = .max) {
        self.job = job
        parser = ServerSentEventParser(maximumEventBytes: maximumEventBytes, maximumFieldBytes: maximumFieldBytes)
    }

    /// Reads one network read's bytes, calling `onEvent` for each step with the outputs after it.
    mutating func read(_ chunk: [UInt8], onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        // The parser is moved out while it calls back into this stream.
        var parser = ServerSentEventParser()
        swap(&parser, &self.parser)
        defer { swap(&parser, &self.parser) }
        try parser.feedViews(chunk) { event in try take(event.data, onEvent: onEvent) }
        if parser.overflowed, outcome == nil {
            outcome = .fail(GradioError(.tooLarge, "the Space sent a line longer than \(GradioLimits.size(parser.maximumFieldBytes)) or an event larger than \(GradioLimits.size(parser.maximumEventBytes))"))
        }
    }

    private mutating func take(_ data: UnsafeBufferPointer<UInt8>, onEvent: (JobEvent, [JSONValue]) throws -> Void) throws {
        guard outcome == nil else { return }
        eventCount += 1
        let message: GradioMessage
        do {
            message = try GradioMessage(bytes: data)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as JSONParseError where error.exceedsLimit {
            // Not junk to skip: the job's state would be lost with it.
            outcome = .fail(GradioError(.tooLarge, "the Space sent an event this client will not read (\(error.reason))"))
            return
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
