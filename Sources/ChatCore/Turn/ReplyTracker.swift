import GradioClient

/// A change to the reply text, as the terminal and the transcript need it.
public enum TextUpdate: Sendable, Equatable {
    /// New text at the end of the reply.
    case delta(String)
    /// The Space rewrote text it had already sent; this is the whole reply now.
    case revised(String)
}

/// A change to one part of a reply: the answer, or the reasoning kept beside it.
public enum ReplyUpdate: Sendable, Equatable {
    case answer(TextUpdate)
    case thinking(TextUpdate)
}

/// Turns successive chatbot values into text updates for the latest reply's answer and its
/// reasoning (`ChatMessage` thoughts, modelscope `tool` parts, inline `<think>` tags).
///
/// An `append` op at a part's text path becomes a delta directly, costing the size of the
/// appended text however long the reply is. Anything else is compared with the text so far:
/// a pure extension is a delta, a rewrite of earlier text is a revision. Comparisons are on
/// UTF-8 bytes, so the text is exact, not merely canonically equivalent.
public struct ReplyTracker: Sendable {
    public let outputIndex: Int
    /// The answer as the consumer knows it after the updates returned so far.
    public private(set) var text = ""
    /// The reasoning as the consumer knows it.
    public private(set) var thinking = ""
    /// The answer's raw text (inline `<think>` tags and all) is `rawHead`, or, once the answer
    /// proper has started, `rawHead + text`: the answer is not kept twice (a 64 MB reply is
    /// held by the outputs, this tracker and the transcript, and that is enough).
    private var rawHead = ""
    private var rawInAnswer = false
    /// Set when the answer is not a suffix of the raw text (white space before `<think>`): both
    /// are kept, and no more attempts are made.
    private var rawSettled = false
    private var thought = TextChannel()
    private var splitter = ThinkTagSplitter()
    private var inlineThinking = ""

    public init(outputIndex: Int) {
        self.outputIndex = outputIndex
    }

    /// - Parameters:
    ///   - outputs: the job's current output values.
    ///   - edits: the edit ops that produced them, or nil for full values.
    public mutating func updates(outputs: [JSONValue], edits: [[EditOperation]]?) -> [ReplyUpdate] {
        guard outputs.indices.contains(outputIndex) else { return [] }
        let parts = ChatbotValue.latestReplyParts(in: outputs[outputIndex]) ?? ReplyParts()
        let ops = edits.flatMap { $0.indices.contains(outputIndex) ? $0[outputIndex] : nil }
        if let ops, ops.isEmpty { return [] }
        return take(parts, ops: ops)
    }

    /// The final value from `process_completed`: whatever differs becomes the last update, so
    /// the reply ends byte for byte equal to the Space's final text.
    public mutating func finishUpdates(outputs: [JSONValue]) -> [ReplyUpdate] {
        var out: [ReplyUpdate] = []
        if outputs.indices.contains(outputIndex), let parts = ChatbotValue.latestReplyParts(in: outputs[outputIndex]) {
            out = take(parts, ops: nil)
        }
        let rest = splitter.finish()
        out += tell(thinkingDelta: rest.thinking, answerDelta: rest.answer)
        return out
    }

    /// The answer's update alone (for callers that show no reasoning).
    public mutating func update(outputs: [JSONValue], edits: [[EditOperation]]?) -> TextUpdate? {
        Self.lastAnswer(updates(outputs: outputs, edits: edits))
    }

    public mutating func finish(outputs: [JSONValue]) -> TextUpdate? {
        Self.lastAnswer(finishUpdates(outputs: outputs))
    }

    private static func lastAnswer(_ updates: [ReplyUpdate]) -> TextUpdate? {
        updates.reduce(nil) { last, update in
            guard case .answer(let answer) = update else { return last }
            switch (last, answer) {
            case (.delta(let a)?, .delta(let b)): return .delta(a + b)
            case (.revised(let a)?, .delta(let b)): return .revised(a + b)
            default: return answer
            }
        }
    }

    /// Whether the final outputs hold a reply at all (an empty one, or reasoning alone, counts).
    public func hasReply(in outputs: [JSONValue]) -> Bool {
        outputs.indices.contains(outputIndex) && ChatbotValue.latestReplyParts(in: outputs[outputIndex]) != nil
    }

    private mutating func take(_ parts: ReplyParts, ops: [EditOperation]?) -> [ReplyUpdate] {
        var thinkingDelta = ""
        var answerDelta = ""
        var rewritten = false
        /// The answer given out so far, when the raw text was rewritten.
        var answerNow: String?
        if let update = thought.update(parts.thinking, path: parts.thinkingPath, ops: ops) {
            switch update {
            case .delta(let piece) where inlineThinking.isEmpty: thinkingDelta += piece
            default: rewritten = true
            }
        }
        if let update = rawUpdate(parts.answer, path: parts.answerPath, ops: ops) {
            switch update {
            case .delta(let piece):
                if !rawInAnswer { rawHead += piece }
                let split = splitter.feed(piece)
                inlineThinking += split.thinking
                thinkingDelta += split.thinking
                answerDelta += split.answer
                if !rawSettled, splitter.passesThrough { settleRaw(answer: text + answerDelta) }
            case .revised(let full):
                splitter = ThinkTagSplitter()
                let split = splitter.feed(full)
                rawHead = full
                rawInAnswer = false
                rawSettled = false
                inlineThinking = split.thinking
                answerNow = split.answer
                rewritten = true
                if splitter.passesThrough { settleRaw(answer: split.answer) }
            }
        }
        guard rewritten else { return tell(thinkingDelta: thinkingDelta, answerDelta: answerDelta) }
        // Something was rewritten: compare the whole of each part with what was told.
        var out: [ReplyUpdate] = []
        if let update = Self.reconcile(told: &thinking, now: Self.joined(thought.text, inlineThinking)) { out.append(.thinking(update)) }
        if let update = Self.reconcile(told: &text, now: answerNow ?? text + answerDelta) { out.append(.answer(update)) }
        return out
    }

    /// The raw answer text's change, as `TextChannel.update` finds it, on `rawHead` and `text`.
    private func rawUpdate(_ current: String, path: [JSONPathComponent]?, ops: [EditOperation]?) -> TextUpdate? {
        let count = rawHead.utf8.count + (rawInAnswer ? text.utf8.count : 0)
        if let ops, let path, !ops.isEmpty, ops.allSatisfy({ $0.kind == .append && $0.path == path }) {
            var delta = ""
            for op in ops { if case .string(let piece) = op.value { delta += piece } }
            if count + delta.utf8.count == current.utf8.count { return delta.isEmpty ? nil : .delta(delta) }
        }
        if let ops, let path, current.utf8.count == count, !ops.contains(where: { $0.path.starts(with: path) || path.starts(with: $0.path) }) {
            return nil
        }
        var known = !rawInAnswer ? rawHead : rawHead.isEmpty ? text : rawHead + text
        return Self.reconcile(told: &known, now: current)
    }

    /// Once the answer proper streams (the splitter passes text on as it is), the raw text is
    /// its head and the told answer: stop keeping a second copy of the answer.
    private mutating func settleRaw(answer: String) {
        rawSettled = true
        guard rawHead.hasUTF8Suffix(answer) else { return }
        rawHead = String(Substring(rawHead.utf8.dropLast(answer.utf8.count)))
        rawInAnswer = true
    }

    private mutating func tell(thinkingDelta: String, answerDelta: String) -> [ReplyUpdate] {
        var out: [ReplyUpdate] = []
        if !thinkingDelta.isEmpty {
            thinking += thinkingDelta
            out.append(.thinking(.delta(thinkingDelta)))
        }
        if !answerDelta.isEmpty {
            text += answerDelta
            out.append(.answer(.delta(answerDelta)))
        }
        return out
    }

    static func joined(_ first: String, _ second: String) -> String {
        first.isEmpty ? second : second.isEmpty ? first : first + "\n\n" + second
    }

    static func reconcile(told: inout String, now: String) -> TextUpdate? {
        let known = told.utf8
        let current = now.utf8
        if known.count == current.count, now.hasUTF8Prefix(told) { return nil }
        if current.count > known.count, now.hasUTF8Prefix(told) {
            let delta = String(Substring(now.utf8.dropFirst(known.count)))
            told = now
            return .delta(delta)
        }
        told = now
        return .revised(now)
    }
}

/// One text of a reply as received (the raw answer, or the reasoning kept apart): appends at
/// its path are deltas at once; anything else is compared with what it was.
struct TextChannel: Sendable {
    private(set) var text = ""

    mutating func update(_ current: String, path: [JSONPathComponent]?, ops: [EditOperation]?) -> TextUpdate? {
        if let ops, let path, !ops.isEmpty,
           // Ops decoded from one stream share their path's storage, so after the first
           // comparison these are pointer comparisons.
           ops.allSatisfy({ $0.kind == .append && $0.path == path }) {
            var delta = ""
            for op in ops { if case .string(let piece) = op.value { delta += piece } }
            // The ops say the old text was a prefix; trust them once the lengths agree.
            if text.utf8.count + delta.utf8.count == current.utf8.count {
                text += delta
                return delta.isEmpty ? nil : .delta(delta)
            }
        }
        if let ops, let path, !ops.contains(where: { $0.path.starts(with: path) || path.starts(with: $0.path) }), current.utf8.count == text.utf8.count {
            // No op touched this text.
            return nil
        }
        return ReplyTracker.reconcile(told: &text, now: current)
    }
}
