import Foundation
import GradioClient
import TestSupport
import Testing

// Models that think, through the binary: the answer alone on a pipe, the reasoning in --json.
// gr.ChatMessage thoughts: harness/shapes/app.py's /thinking on Gradio 5.50 and 6.31; inline
// <think> tags: TRIGGER_THINK on the Qwen2.5 replica (Gradio 4.44.1).

private let inlineReasoning = "The user asks for 2+2.\nTwo and two make four.\n"

private struct NDJSON {
    var events: [JSONValue]
    init(_ text: String) throws {
        events = try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }
    func joined(_ type: String) -> String {
        events.filter { $0["type"]?.stringValue == type }.compactMap { $0["text"]?.stringValue }.joined()
    }
    var done: JSONValue? { events.last { $0["type"]?.stringValue == "done" } }
}

@Suite("Reasoning kept apart from the answer, through the binary", .enabled(if: ShapesServer.enabled), .timeLimit(.minutes(2)))
struct ThinkingIntegrationTests {
    @Test("ChatMessage thoughts: piped stdout is the answer alone, with no revision warning", arguments: [ShapesServer.gradio5, .gradio6])
    func chatMessageThoughts(server: ShapesServer) async throws {
        guard let url = try server.requireURL(), let binary = try Binary.require() else { return }
        let message = "sum \(uniqueTag())"
        let piped = try await runBinary(binary, ["--url", url + "/thinking", message])
        #expect(piped.status == 0, "stderr: \(piped.stderrText)")
        #expect(piped.stdoutText == "The answer to «\(message)» is 4.\n")
        #expect(piped.notes.isEmpty, "stderr: \(piped.stderrText)")

        let json = try await runBinary(binary, ["--url", url + "/thinking", "--json", message])
        #expect(json.status == 0, "stderr: \(json.stderrText)")
        let events = try NDJSON(json.stdoutText)
        let thought = "Let me think about «\(message)». Two and two make four."
        #expect(events.joined("thinking") == thought)
        #expect(events.joined("delta") == "The answer to «\(message)» is 4.")
        #expect(events.done?["text"]?.stringValue == "The answer to «\(message)» is 4.")
        #expect(events.done?["thinking"]?.stringValue == thought)
    }

    @Test("inline <think> tags cut between tokens: the answer alone on a pipe, the reasoning in --json")
    func inlineTags() async throws {
        guard let url = try Server.replica.requireURL(), let binary = try Binary.require() else { return }
        let message = "TRIGGER_THINK \(uniqueTag())"
        let piped = try await runBinary(binary, ["--url", url, message])
        #expect(piped.status == 0, "stderr: \(piped.stderrText)")
        #expect(piped.stdoutText == "The answer is 4.\n")
        #expect(piped.notes.isEmpty, "stderr: \(piped.stderrText)")

        let json = try await runBinary(binary, ["--url", url, "--json", message])
        let events = try NDJSON(json.stdoutText)
        #expect(events.joined("thinking") == inlineReasoning)
        #expect(events.joined("delta") == "The answer is 4.")
        #expect(events.done?["thinking"]?.stringValue == inlineReasoning)
    }

    @Test("--thinking takes collapse, show or hide")
    func thinkingFlag() async throws {
        guard let binary = try Binary.require() else { return }
        let bad = try await runBinary(binary, ["--thinking", "loud", "hi"])
        #expect(bad.status == 2)
        #expect(bad.stderrLines.first?.contains("--thinking") == true, "stderr: \(bad.stderrText)")
    }
}
