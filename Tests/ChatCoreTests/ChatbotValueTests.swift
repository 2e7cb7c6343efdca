import TestSupport
import Testing
@testable import ChatCore
import GradioClient

private func json(_ text: String) -> JSONValue { try! JSONValue.parse(text) }

@Suite("ChatbotValue.latestReply")
struct ChatbotValueTests {
    @Test("shapes with a reply", arguments: [
        // Pairs of strings (Gradio's tuples format).
        (#"[["hi","hello"]]"#, "hello", [JSONPathComponent.index(0), .index(1)]),
        (#"[["a","b"],["hi","hello"]]"#, "hello", [.index(1), .index(1)]),
        // Pairs of message objects with `text` (the Qwen Space's modelscope_studio chatbot).
        (#"[[{"id":null,"text":"q","avatar":""},{"id":null,"elem_id":null,"text":"Echo","flushing":null,"files":null}]]"#, "Echo", [.index(0), .index(1), .key("text")]),
        // Messages with string content (Gradio 4/5 type="messages").
        (#"[{"role":"user","metadata":null,"content":"q"},{"role":"assistant","metadata":null,"content":"Hi there","options":null}]"#, "Hi there", [.index(1), .key("content")]),
        // Gradio 6: content is a list of parts.
        (#"[{"role":"user","content":[{"text":"q","type":"text"}]},{"role":"assistant","content":[{"text":"Ste","type":"text"}]}]"#, "Ste", [.index(1), .key("content"), .index(0), .key("text")]),
        // Several text parts are joined; the path is the last one's.
        (#"[{"role":"user","content":"q"},{"role":"assistant","content":[{"text":"A","type":"text"},{"type":"file","file":{}},{"text":"B"}]}]"#, "AB", [.index(1), .key("content"), .index(2), .key("text")]),
        // Several assistant messages after the user's: the last one.
        (#"[{"role":"user","content":"q"},{"role":"assistant","content":"one"},{"role":"assistant","content":"two"}]"#, "two", [.index(2), .key("content")]),
        // A bare string (a ChatInterface whose output is the reply itself).
        (#""Hello from 你好 🙂""#, "Hello from 你好 🙂", []),
        (#""""#, "", []),
        // One message (a `type="messages"` ChatInterface that returns a message).
        (#"{"role":"assistant","content":"x"}"#, "x", [.key("content")]),
        // An empty reply is still a reply.
        (#"[["hi",""]]"#, "", [.index(0), .index(1)]),
    ])
    func reply(value: String, text: String, path: [JSONPathComponent]) throws {
        let reply = try #require(ChatbotValue.latestReply(in: json(value)))
        #expect(reply.text == text)
        #expect(reply.path == path)
        // The path leads to the text in the value (for a string value).
        var probe = json(value)
        if !path.isEmpty {
            try probe.apply(EditOperation(.append, path, .string("!")))
            let after = try #require(ChatbotValue.latestReply(in: probe))
            #expect(after.text == text + "!")
        }
    }

    @Test("no reply yet", arguments: [
        "[]",
        #"[["hi"]]"#,
        #"[["hi",null]]"#,
        #"[[{"text":"q"},null]]"#,
        #"[{"role":"user","content":"q"}]"#,
        // The user's message is last: the previous assistant reply is not the latest.
        #"[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]"#,
        #"[{"role":"user","content":"q"},{"role":"assistant","content":[]}]"#,
        #"[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"image","url":"x"}]}]"#,
        "null", "3", #"{"role":"user"}"#,
    ])
    func noReply(value: String) {
        #expect(ChatbotValue.latestReply(in: json(value)) == nil)
    }

    @Test func captureShapes() throws {
        // The final chatbot value of each real capture.
        let cases: [(String, Int, String)] = [
            ("gradio-4.44.1/normal-stream.txt", 1, "Echo from qwen2.5-72B: you said «What is 2+2?». System: You are terse."),
            ("gradio-6.31.0/chat-interface-stream.txt", 0, "Hello from 你好 🙂"),
            ("harness/replica-4.44.1-indent.txt", 1, "Steps:\n    one\n    two\nDone."),
            ("harness/gradio-5.50.0-indent.txt", 1, "Steps:\n    one\n    two\nDone."),
            ("harness/gradio-6.31.0-indent.txt", 1, "Steps:\n    one\n    two\nDone."),
        ]
        for (name, index, text) in cases {
            let completed = try Fixtures.messages(name).compactMap { message -> JSONValue? in
                if case .processCompleted(let output, true) = message.kind { return output["data"]?[index] }
                return nil
            }
            let value = try #require(completed.first, "\(name)")
            #expect(ChatbotValue.latestReply(in: value)?.text == text, "\(name)")
        }
    }
}
