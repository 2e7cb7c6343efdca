import GradioClient
import TestSupport
import Testing
@testable import ChatCore

// A reply's reasoning kept apart from its answer, in the three forms it reaches a client:
// inline <think> tags, gr.ChatMessage thoughts (metadata title), modelscope tool parts.

private let thinkReply = "<think>\nThe user asks for 2+2.\nTwo and two make four.\n</think>\n\nThe answer is 4."
private let thinkReasoning = "The user asks for 2+2.\nTwo and two make four.\n"
private let thinkAnswer = "The answer is 4."

private func splitInChunks(_ text: String, at cuts: [Int]) -> (thinking: String, answer: String) {
    var splitter = ThinkTagSplitter()
    var thinking = "", answer = ""
    let characters = Array(text)
    var start = 0
    for cut in cuts + [characters.count] where cut >= start {
        let part = splitter.feed(String(characters[start..<cut]))
        thinking += part.thinking
        answer += part.answer
        start = cut
    }
    let rest = splitter.finish()
    return (thinking + rest.thinking, answer + rest.answer)
}

@Suite("ThinkTagSplitter: inline reasoning cut anywhere")
struct ThinkTagSplitterTests {
    @Test("cut in two at every position, the parts are the same")
    func everyCut() {
        for cut in 0...thinkReply.count {
            let (thinking, answer) = splitInChunks(thinkReply, at: [cut])
            #expect(thinking == thinkReasoning, "cut at \(cut)")
            #expect(answer == thinkAnswer, "cut at \(cut)")
        }
    }

    @Test("one character at a time")
    func characterByCharacter() {
        let (thinking, answer) = splitInChunks(thinkReply, at: Array(0...thinkReply.count))
        #expect(thinking == thinkReasoning)
        #expect(answer == thinkAnswer)
    }

    @Test("text without a leading tag is all answer, tags later in it included", arguments: [
        "plain answer", "a <think>not reasoning</think> b", "<thinking>is not the tag</thinking>", "<", "<thi", "  spaced", "",
    ])
    func noReasoning(text: String) {
        for cut in 0...text.count {
            let (thinking, answer) = splitInChunks(text, at: [cut])
            #expect(thinking.isEmpty)
            #expect(answer == text, "cut at \(cut)")
        }
    }

    @Test("leading white space, an unclosed tag, an empty thought")
    func edges() {
        #expect(ThinkTagSplitter.split("  \n<think>a</think>b") == ("a", "  \nb"))
        #expect(ThinkTagSplitter.split("<think>\nstill thinking <") == ("still thinking <", ""))
        #expect(ThinkTagSplitter.split("<think></think>\n\nanswer") == ("", "answer"))
        #expect(ThinkTagSplitter.split("<think>a </thin b</think>c") == ("a </thin b", "c"))
    }
}

@Suite("ChatbotValue: the answer and the reasoning of the latest reply")
struct ReplyPartsTests {
    @Test("a ChatMessage thought (metadata title) is reasoning, the message after it the answer")
    func chatMessageThought() throws {
        let value = try JSONValue.parse(#"""
        [{"role":"user","content":"hi"},
         {"role":"assistant","content":"Let me think","metadata":{"title":"Thinking","status":"done"}},
         {"role":"assistant","content":"Hello!","metadata":null}]
        """#)
        let parts = try #require(ChatbotValue.latestReplyParts(in: value))
        #expect(parts.thinking == "Let me think")
        #expect(parts.thinkingPath == [.index(1), .key("content")])
        #expect(parts.answer == "Hello!")
        #expect(parts.answerPath == [.index(2), .key("content")])
        #expect(ChatbotValue.latestReply(in: value)?.text == "Hello!")
    }

    @Test("a thought alone, as a ChatInterface's raw output, is no answer yet")
    func thoughtAlone() throws {
        let value = try JSONValue.parse(#"{"role":"assistant","content":"pondering","metadata":{"title":"Thinking","status":"pending"}}"#)
        let parts = try #require(ChatbotValue.latestReplyParts(in: value))
        #expect(parts.thinking == "pondering")
        #expect(parts.answerPath == nil)
        #expect(ChatbotValue.latestReply(in: value) == nil)
    }

    @Test("modelscope pro.Chatbot: tool parts are reasoning, text parts the answer, inside an update wrapper")
    func modelscopeTool() throws {
        let value = try JSONValue.parse(#"""
        {"__type__":"update","value":[
          {"role":"user","content":"hi"},
          {"role":"assistant","content":[
            {"type":"tool","content":"thinking hard","options":{"title":"End of Thought (1.23s)","status":"done"}},
            {"type":"text","content":"The answer."}]}]}
        """#)
        let parts = try #require(ChatbotValue.latestReplyParts(in: value))
        #expect(parts.thinking == "thinking hard")
        #expect(parts.thinkingPath == [.key("value"), .index(1), .key("content"), .index(0), .key("content")])
        #expect(parts.answer == "The answer.")
        #expect(parts.answerPath == [.key("value"), .index(1), .key("content"), .index(1), .key("content")])
    }

    @Test("replies without reasoning read as before")
    func plain() throws {
        let tuples = try JSONValue.parse(#"[["hi","hello"]]"#)
        #expect(ChatbotValue.latestReplyParts(in: tuples) == ReplyParts(answer: "hello", answerPath: [.index(0), .index(1)]))
        let parts6 = try JSONValue.parse(#"[{"role":"user","content":[{"type":"text","text":"q"}]},{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]"#)
        #expect(ChatbotValue.latestReply(in: parts6)?.text == "ab")
    }
}

@Suite("ReplyTracker: reasoning and answer as separate updates")
struct ReplyTrackerThinkingTests {
    private func op(_ path: [JSONPathComponent], _ text: String) -> EditOperation {
        EditOperation(.append, path, .string(text))
    }

    @Test("inline tags streamed in 3-character appends: reasoning updates, then the answer's")
    func inlineStream() throws {
        var tracker = ReplyTracker(outputIndex: 0)
        let tokens = stride(from: 0, to: thinkReply.count, by: 3).map { start in
            String(Array(thinkReply)[start..<min(start + 3, thinkReply.count)])
        }
        var value: JSONValue = .array([.array([.string("q"), .string(tokens[0])])])
        var thinking = "", answer = ""
        func take(_ updates: [ReplyUpdate]) {
            for update in updates {
                switch update {
                case .thinking(.delta(let text)): thinking += text
                case .answer(.delta(let text)): answer += text
                default: Issue.record("a revision: \(update)")
                }
            }
        }
        take(tracker.updates(outputs: [value], edits: nil))
        for token in tokens.dropFirst() {
            let edit = op([.index(0), .index(1)], token)
            try value.apply(edit)
            take(tracker.updates(outputs: [value], edits: [[edit]]))
        }
        take(tracker.finishUpdates(outputs: [value]))
        #expect(thinking == thinkReasoning)
        #expect(answer == thinkAnswer)
        #expect(tracker.text == thinkAnswer)
        #expect(tracker.thinking == thinkReasoning)
    }

    @Test("a thought, then the answer beside it: no revision of the answer")
    func thoughtThenAnswer() throws {
        var tracker = ReplyTracker(outputIndex: 0)
        let thought = try JSONValue.parse(#"{"role":"assistant","content":"Let me","metadata":{"title":"Thinking"}}"#)
        #expect(tracker.updates(outputs: [thought], edits: nil) == [.thinking(.delta("Let me"))])
        let both = try JSONValue.parse(#"[{"role":"assistant","content":"Let me think","metadata":{"title":"Thinking"}},{"role":"assistant","content":"4"}]"#)
        #expect(tracker.updates(outputs: [both], edits: nil) == [.thinking(.delta(" think")), .answer(.delta("4"))])
        #expect(tracker.finishUpdates(outputs: [both]).isEmpty)
    }
}

@Suite("The transcript keeps reasoning apart")
struct TranscriptThinkingTests {
    @Test("the controller, the journal, /save and /load")
    func roundTrips() throws {
        var controller = ChatController(settings: ChatSettings())
        _ = controller.handle(.message("q"), now: 1)
        let thinkingActions = controller.handle(.thinkingUpdate(.delta("hmm")), now: 2)
        #expect(thinkingActions == [.renderThinking(.delta("hmm")), .journal(.thinkingDelta(index: 0, text: "hmm"))])
        _ = controller.handle(.replyUpdate(.delta("answer")), now: 2)
        let end = controller.handle(.replyFinished(nil), now: 3)
        let turn = try #require(controller.transcript.turns.first)
        #expect(turn.reply == "answer")
        #expect(turn.thinking == "hmm")
        #expect(end.contains(.journal(.end(index: 0, status: .complete, text: "answer", error: nil, time: 3, thinking: "hmm"))))

        // The journal read back.
        let lines = [SessionJournal.Entry.session(id: "s", started: 0), .turn(index: 0, user: "q", system: "s", model: "7B", time: 1),
                     .thinkingDelta(index: 0, text: "hm"), .thinkingDelta(index: 0, text: "m"), .delta(index: 0, text: "answer")]
            .map(SessionJournal.line(for:)).joined()
        let (read, _) = try SessionJournal.transcript(from: lines)
        #expect(read.turns.first?.thinking == "hmm")
        #expect(read.turns.first?.reply == "answer")

        // /save as JSON and back; Markdown with a collapsed block.
        let again = try Transcript(json: JSONValue.parse(controller.transcript.json.jsonText))
        #expect(again.turns.first?.thinking == "hmm")
        let markdown = controller.transcript.markdown(title: "t")
        #expect(markdown.contains("<details>\n<summary>Thinking</summary>\n\nhmm\n\n</details>\n\nanswer\n"))

        // /thinking prints it; /copy and the context use the answer alone.
        #expect(controller.handle(.line("/thinking"), now: 4) == [.showThinking("hmm")])
        #expect(controller.handle(.line("/copy"), now: 4) == [.copyToClipboard("answer")])
        #expect(controller.transcript.contextExchanges(before: 1, limit: 5) == [ChatExchange(user: "q", reply: "answer")])
        #expect(controller.handle(.line("/thinking show"), now: 5) == [.show("thinking: show")])
        #expect(controller.settings.thinking == .show)
        #expect(controller.handle(.line("/thinking loud"), now: 5) == [.showError("/thinking takes collapse, show or hide")])
    }
}

@Suite("ReplyTracker with reasoning: random streams")
struct ReplyTrackerThinkingPropertyTests {
    private static let replies = [
        thinkReply, "plain answer with <think> inside", "<think>never closed", "<think></think>answer right away",
        "\n\n<think>after blank lines</think>\n\nanswer", "<thi", "<think>\nA\n</think>\n\n你好 👋 done",
    ]

    /// Appends in random pieces, now and then the whole value instead (as a Space sends after a
    /// rewrite): whatever the updates were, applying them gives the split of the final text.
    @Test("applying the updates gives the split of the final text", arguments: 0..<40)
    func randomStreams(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let reply = Self.replies[seed % Self.replies.count]
        let characters = Array(reply)
        var tracker = ReplyTracker(outputIndex: 0)
        var answer = "", thinking = ""
        func take(_ updates: [ReplyUpdate]) {
            for update in updates {
                switch update {
                case .answer(.delta(let text)): answer += text
                case .answer(.revised(let text)): answer = text
                case .thinking(.delta(let text)): thinking += text
                case .thinking(.revised(let text)): thinking = text
                }
            }
        }
        var sent = 0
        var value: JSONValue = .array([.array([.string("q"), .string("")])])
        take(tracker.updates(outputs: [value], edits: nil))
        while sent < characters.count {
            let count = Int.random(in: 1...5, using: &rng)
            let piece = String(characters[sent..<min(sent + count, characters.count)])
            sent += piece.count
            if Int.random(in: 0..<6, using: &rng) == 0 {
                value = .array([.array([.string("q"), .string(String(characters[0..<sent]))])])
                take(tracker.updates(outputs: [value], edits: nil))
            } else {
                let op = EditOperation(.append, [.index(0), .index(1)], .string(piece))
                try value.apply(op)
                take(tracker.updates(outputs: [value], edits: [[op]]))
            }
        }
        take(tracker.finishUpdates(outputs: [value]))
        let expected = ThinkTagSplitter.split(reply)
        #expect(answer == expected.answer, "\(reply.debugDescription)")
        #expect(thinking == expected.thinking, "\(reply.debugDescription)")
        #expect(tracker.text == answer && tracker.thinking == thinking)
    }
}
