import TestSupport
import Testing
@testable import GradioClient

@Suite("Retries with backoff, on a clock the test controls")
struct RetryPolicyTests {
    /// A Space whose queue is full on every join.
    private func queueAlwaysFull() -> (FakeTransport, GradioClient, GradioConnection) {
        let transport = FakeTransport(join: .json(503, #"{"detail":"Queue is full! Please try again."}"#), data: .json(500, ""))
        let connection = GradioConnection(
            root: "https://space.example",
            config: GradioConfig(version: "4.44.1", protocolName: "sse_v3", apiPrefix: "", dependencies: []),
            endpoint: GradioEndpoint(apiName: "chat", fnIndex: 0, triggerID: nil)
        )
        return (transport, GradioClient(root: "https://space.example", transport: transport), connection)
    }

    @Test("delays double from the base, capped, with jitter in the upper half")
    func delays() {
        let policy = RetryPolicy(maxRetries: 10, baseDelay: 2, maxDelay: 30)
        #expect(policy.delay(forAttempt: 1, unitRandom: 0) == 1)
        #expect(policy.delay(forAttempt: 1, unitRandom: 1) == 2)
        #expect(policy.delay(forAttempt: 3, unitRandom: 0.5) == 6)
        #expect(policy.delay(forAttempt: 9, unitRandom: 1) == 30)
        #expect(policy.delay(forAttempt: 9, unitRandom: 0) == 15)
    }

    @Test("a full queue is retried after each backoff, then reported")
    func queueFullRetriesThenFails() async throws {
        let clock = ImmediateClock()
        let (transport, client, connection) = queueAlwaysFull()
        var announced: [Double] = []
        await #expect(throws: GradioError.self) {
            try await client.submit(connection, data: [], sessionHash: "s", retry: RetryPolicy(maxRetries: 3, clock: clock)) { event, _ in
                if case .retrying(_, let delay, _) = event { announced.append(delay) }
            }
        }
        #expect(transport.requests.filter { $0.url.hasSuffix("/queue/join") }.count == 4)
        let slept = clock.sleeps.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        #expect(slept.count == 3)
        // What was announced is what was waited, and each wait is within its attempt's range.
        for (index, (waited, said)) in zip(slept, announced).enumerated() {
            let cap = 2.0 * Double(1 << index)
            #expect(abs(waited - said) < 1e-6)
            #expect(waited >= cap / 2 && waited <= cap)
        }
    }

    @Test("cancelling during a wait ends the retries as cancelled")
    func cancelDuringWait() async throws {
        let (transport, client, connection) = queueAlwaysFull()
        let task = Task {
            try await client.submit(connection, data: [], sessionHash: "s", retry: RetryPolicy(maxRetries: 5, baseDelay: 600)) { _, _ in }
        }
        while transport.requests.isEmpty { await Task.yield() }
        task.cancel()
        do {
            try await task.value
            Issue.record("expected an error")
        } catch let error as GradioError {
            #expect(error.code == .cancelled)
        }
    }
}
