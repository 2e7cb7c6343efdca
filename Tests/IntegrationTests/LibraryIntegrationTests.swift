import ChatCore
import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

/// The library (GradioClient + ChatCore) against real Gradio 4.44.1 / 5 / 6 servers.
@Suite(
    "Library against local Gradio servers",
    .enabled(if: Server.enabled, "set QWEN_CHAT_TEST_*_URL (scripts/test does) to run"),
    .timeLimit(.minutes(2))
)
struct LibraryIntegrationTests {
    // 1. Exact text: CJK, emoji sequences, a combining accent and repeated fragments.
    @Test("TRIGGER_UNICODE streams byte-exact text", arguments: Server.allCases)
    func unicodeReplyIsExact(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let run = try await chat(url, "TRIGGER_UNICODE \(uniqueTag())")
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        let final = try #require(run.finalText, "no completed value")
        #expect(bytes(final) == bytes(Scripted.unicode), "final value differs from scripted_model.UNICODE_REPLY")
        #expect(bytes(run.rebuilt) == bytes(final), "deltas + revisions do not rebuild the final text")
        #expect(bytes(run.trackerText) == bytes(final))
        #expect(bytes(run.written) == bytes(final), "StableTextWriter output differs from the final text")
        // The reply arrives in many 3-character tokens, so it must come as more than one update.
        #expect(run.updates.count > 1)
    }

    @Test("Default echo with a CJK query is exactly the scripted reply", arguments: Server.allCases)
    func echoWithCJKQuery(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let query = "你好，世界 \(uniqueTag()) 👨‍👩‍👧 Café"
        let run = try await chat(url, query)
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        let expected = Scripted.echo(query)
        #expect(bytes(run.rebuilt) == bytes(expected))
        #expect(bytes(run.finalText ?? "") == bytes(expected))
        #expect(bytes(run.written) == bytes(expected))
        // Plain growth only: no revision for a one-line reply.
        #expect(!run.updates.contains { if case .revised = $0 { true } else { false } })
    }

    // 2. Streaming, not one batch at the end.
    @Test("Deltas arrive while the job is still generating", arguments: Server.allCases)
    func streamsBeforeCompletion(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let run = try await chat(url, "TRIGGER_LONG 40 \(uniqueTag())")
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(run.generatingCount >= 2, "only \(run.generatingCount) generating events")
        let firstDelta = try #require(run.firstDeltaEventIndex, "no delta at all")
        let completed = try #require(run.completedEventIndex, "no completion")
        #expect(firstDelta < completed, "the first delta came with the completion, not before it")
        if case .generating = run.events[firstDelta] {} else {
            Issue.record("the first delta came from \(run.events[firstDelta]), not a generating event")
        }
        let deltas = run.updates.filter { if case .delta = $0 { true } else { false } }
        #expect(deltas.count >= 2, "the reply came in \(deltas.count) delta(s)")
        let expected = String("The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. ".prefix(40 * Scripted.tokenChars))
        #expect(bytes(run.rebuilt) == bytes(run.finalText ?? ""))
        // cleandoc drops the trailing space of the final snapshot.
        #expect(run.finalText == expected.trimmingCharacters(in: .whitespaces))
    }

    // 3. Revisions: cleandoc rewrites text already sent.
    @Test("TRIGGER_INDENT: revisions end in the exact final text", arguments: Server.allCases)
    func indentRevision(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let run = try await chat(url, "TRIGGER_INDENT \(uniqueTag())")
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(bytes(run.finalText ?? "") == bytes(Scripted.indent))
        #expect(bytes(run.rebuilt) == bytes(Scripted.indent))
        #expect(run.updates.contains { if case .revised = $0 { true } else { false } }, "expected a revision: \(run.updates)")
        #expect(bytes(run.written) == bytes(Scripted.indent), "written \(run.written.debugDescription)")
        #expect(run.writerConflicts == 0)
    }

    @Test("TRIGGER_LEADING_BLANK: revisions end in the exact final text", arguments: Server.allCases)
    func leadingBlankRevision(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let run = try await chat(url, "TRIGGER_LEADING_BLANK \(uniqueTag())")
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(bytes(run.finalText ?? "") == bytes(Scripted.leadingBlank))
        #expect(bytes(run.rebuilt) == bytes(Scripted.leadingBlank))
        #expect(run.updates.contains { if case .revised = $0 { true } else { false } }, "expected a revision: \(run.updates)")
        #expect(bytes(run.written) == bytes(Scripted.leadingBlank), "written \(run.written.debugDescription) from updates \(run.updates)")
        #expect(run.writerConflicts == 0)
    }

    // 4. Errors.
    @Test("A hidden error is .upstream and says the Space hid it", arguments: Server.allCases)
    func hiddenError(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let run = try await chat(url, "TRIGGER_HIDDEN_ERROR \(uniqueTag())")
        let error = try #require(run.error, "no error thrown")
        #expect(error.code == .upstream)
        #expect(error.message.contains("hid the error"), "message: \(error.message)")
        #expect(!error.message.contains("\n"))
    }

    @Test("A visible gr.Error carries its text", arguments: Server.allCases)
    func visibleError(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let run = try await chat(url, "TRIGGER_GR_ERROR \(uniqueTag())")
        let error = try #require(run.error, "no error thrown")
        #expect(error.code == .upstream)
        #expect(error.message.contains("DashScope quota exceeded"), "message: \(error.message)")
    }

    @Test("An error mid-stream keeps the partial reply", arguments: Server.allCases)
    func midstreamError(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let query = "TRIGGER_MIDSTREAM_ERROR \(uniqueTag())"
        let run = try await chat(url, query)
        let error = try #require(run.error, "no error thrown")
        #expect(error.code == .upstream, "\(error.code): \(error.message)")
        let full = Scripted.echo(query)
        #expect(!run.trackerText.isEmpty, "no partial text before the error")
        #expect(run.trackerText.utf8.count <= Scripted.midstreamErrorAfter * Scripted.tokenChars + 8)
        #expect(full.utf8.starts(with: run.trackerText.utf8), "partial \(run.trackerText.debugDescription) is not a prefix of the echo")
        #expect(bytes(run.rebuilt) == bytes(run.trackerText))
        #expect(run.completedEventIndex == nil)
        #expect(run.generatingCount >= 1)
    }

    // 5. Cancel.
    @Test("Cancelling the task during TRIGGER_SLOW throws .cancelled promptly; the server still works", arguments: Server.allCases)
    func cancelDuringSlowReply(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        let client = makeClient(url)
        let connection = try await client.connect(apiName: QwenSpace.apiName)
        let firstDelta = Mutex<String?>(nil)
        let data = QwenSpace.requestData(userTurn: "TRIGGER_SLOW \(uniqueTag())", systemPrompt: Scripted.defaultSystem, modelSize: "72B")
        let task = Task { () -> GradioError? in
            var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
            do {
                try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash()) { event, outputs in
                    if case .generating(let edits) = event, case .delta(let piece)? = tracker.update(outputs: outputs, edits: edits) {
                        firstDelta.withLock { if $0 == nil { $0 = piece } }
                    }
                }
                return nil
            } catch let error as GradioError {
                return error
            } catch {
                return GradioError(.badResponse, "not a GradioError: \(error)")
            }
        }
        let ended = Mutex(false)
        let watcher = Task {
            _ = await task.value
            ended.withLock { $0 = true }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while firstDelta.withLock({ $0 }) == nil, !ended.withLock({ $0 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        watcher.cancel()
        if firstDelta.withLock({ $0 }) == nil, ended.withLock({ $0 }) {
            // Say why the reply ended before its first delta instead of only that it never came.
            Issue.record("the reply ended before its first delta: \(String(describing: await task.value))")
            return
        }
        let piece = try #require(firstDelta.withLock { $0 }, "no delta within 20 s")
        #expect(Scripted.slow.hasPrefix(piece))
        task.cancel()
        let error = await task.value
        // Had the cancel not worked, the 30 s reply would have completed without an error.
        #expect(error?.code == .cancelled, "got \(String(describing: error))")

        let next = try await chat(url, "after cancel \(uniqueTag())")
        #expect(next.error == nil, "\(next.error?.message ?? "")")
        #expect(next.finalText?.hasPrefix("Echo from qwen2.5-72B: you said «after cancel") == true)
    }

    // 6. Unknown endpoint.
    @Test("An unknown api_name without fallback is .endpointNotFound", arguments: Server.allCases)
    func unknownEndpoint(server: Server) async throws {
        guard let url = try server.requireURL() else { return }
        do {
            _ = try await makeClient(url).connect(apiName: "no_such_endpoint")
            Issue.record("connect succeeded")
        } catch let error as GradioError {
            #expect(error.code == .endpointNotFound, "\(error.code): \(error.message)")
            #expect(error.message.contains("no_such_endpoint"))
        }
    }

    @Test("model_chat resolves to the Space's ids on the replica")
    func replicaEndpointIDs() async throws {
        guard let url = try Server.replica.requireURL() else { return }
        let connection = try await makeClient(url).connect(apiName: QwenSpace.apiName)
        #expect(connection.endpoint == QwenSpace.fallbackEndpoint)
        #expect(connection.fallbackReason == nil)
        #expect(connection.config.apiPrefix == "")
    }

    // 7. Nothing listening.
    @Test("A port with nothing listening is .unreachable and names host:port")
    func unreachable() async throws {
        guard Server.enabled else { return }
        let port = try unusedPort()
        do {
            _ = try await makeClient("http://127.0.0.1:\(port)").connect(apiName: QwenSpace.apiName)
            Issue.record("connect succeeded on a closed port")
        } catch let error as GradioError {
            #expect(error.code == .unreachable, "\(error.code): \(error.message)")
            #expect(error.message.contains("127.0.0.1:\(port)"), "message: \(error.message)")
        }
    }

    // 8. What the client sends.
    @Test("The request carries the given system prompt, an empty history and the model size", arguments: Server.allCases)
    func requestLog(server: Server) async throws {
        guard let url = try server.requireURL(), let log = try server.requireLog() else { return }
        let tag = uniqueTag()
        let system = "Answer in haiku. 简洁 \(tag)"
        let run = try await chat(url, "log check \(tag)", system: system, model: "14B")
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(run.finalText == Scripted.echo("log check \(tag)", system: system, model: "14B"))
        let record = try #require(try await loggedRequest(in: log, containing: tag), "no line for \(tag) in \(log)")
        #expect(record["query"]?.stringValue == "log check \(tag)")
        #expect(record["system"]?.stringValue == system)
        #expect(record["history"] == .array([]), "history sent: \(record["history"]?.jsonText ?? "nil")")
        #expect(record["model"]?.stringValue == "qwen2.5-14b-instruct")
    }
}
