import TestSupport
import Testing
@testable import GradioClient

/// The sans-I/O stream-to-steps adapter `follow` feeds, fed bytes directly.
@Suite("JobStream")
struct JobStreamTests {
    private struct Fed {
        var events: [JobEvent] = []
        var outputs: [[JSONValue]] = []
        var outcome: GradioJob.Step?
    }

    private func feed(_ chunks: [[UInt8]], eventID: String?, sendsDiffs: Bool = true) throws -> Fed {
        var stream = JobStream(job: GradioJob(eventID: eventID, sendsDiffs: sendsDiffs))
        var fed = Fed()
        for chunk in chunks {
            try stream.read(chunk) { event, outputs in
                fed.events.append(event)
                fed.outputs.append(outputs)
            }
        }
        fed.outcome = stream.outcome
        return fed
    }

    @Test("a capture gives the same steps whole, byte by byte and in random reads", arguments: Capture.all)
    func chunkingsAgree(capture: Capture) throws {
        let bytes = capture.bodyBytes
        let whole = try feed([bytes], eventID: capture.eventID)
        let bytewise = try feed(bytes.map { [$0] }, eventID: capture.eventID)
        var rng = SplitMix64(seed: 7)
        let random = try feed(randomChunks(bytes, sizes: 1...300, rng: &rng), eventID: capture.eventID)
        #expect(whole.events == bytewise.events && whole.events == random.events)
        #expect(whole.outputs == bytewise.outputs && whole.outputs == random.outputs)
        #expect(whole.outcome == bytewise.outcome && whole.outcome == random.outcome)
        if let final = capture.finalOutputs {
            #expect(whole.outcome == .event(.completed))
            #expect(whole.outputs.last.map { exactlyEqual(.array($0), .array(final)) } == true)
        }
    }

    @Test func nothingIsReportedAfterTheOutcome() throws {
        let capture = Capture.gradio4("normal-stream")
        let twice = capture.bodyBytes + capture.bodyBytes
        let fed = try feed([twice], eventID: capture.eventID)
        let once = try feed([capture.bodyBytes], eventID: capture.eventID)
        #expect(fed.events == once.events)
        #expect(fed.outcome == .event(.completed))
    }

    @Test func malformedEventsGiveOneWarning() throws {
        let body = "data: {\"msg\":\n\ndata: not json\n\ndata: {\"msg\":\"heartbeat\"}\n\ndata: [1]\n\n"
        let fed = try feed([Array(body.utf8)], eventID: "e1")
        #expect(fed.events.count == 1)
        guard case .warning(let text)? = fed.events.first else {
            Issue.record("no warning: \(fed.events)")
            return
        }
        #expect(text.hasPrefix("skipped a malformed event from the Space (invalid JSON at byte"))
        #expect(fed.outcome == nil)
    }
}
