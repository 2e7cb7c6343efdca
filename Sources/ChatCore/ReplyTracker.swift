import GradioClient

/// A change to the reply text, as the terminal and the transcript need it.
public enum TextUpdate: Sendable, Equatable {
    /// New text at the end of the reply.
    case delta(String)
    /// The Space rewrote text it had already sent; this is the whole reply now.
    case revised(String)
}

/// Turns successive chatbot values into text updates for the latest reply.
///
/// An `append` op at the reply's text path becomes a delta directly, costing the size of the
/// appended text however long the reply is. Anything else is compared with the text so far:
/// a pure extension is a delta, a rewrite of earlier text is a revision. Comparisons are on
/// UTF-8 bytes, so the text is exact, not merely canonically equivalent.
public struct ReplyTracker: Sendable {
    public let outputIndex: Int
    /// The reply as the consumer knows it after the updates returned so far.
    public private(set) var text = ""

    public init(outputIndex: Int) {
        self.outputIndex = outputIndex
    }

    /// - Parameters:
    ///   - outputs: the job's current output values.
    ///   - edits: the edit ops that produced them, or nil for full values.
    public mutating func update(outputs: [JSONValue], edits: [[EditOperation]]?) -> TextUpdate? {
        guard outputs.indices.contains(outputIndex) else { return nil }
        let value = outputs[outputIndex]
        guard let (current, path) = ChatbotValue.latestReply(in: value) else {
            return reconcile("")
        }
        if let edits, edits.indices.contains(outputIndex) {
            let ops = edits[outputIndex]
            if ops.isEmpty { return nil }
            // Ops decoded from one stream share their path's storage, so after the first
            // comparison these are pointer comparisons.
            if ops[0].path == path, ops.allSatisfy({ $0.kind == .append && $0.path == ops[0].path }) {
                var delta = ""
                for op in ops { if case .string(let piece) = op.value { delta += piece } }
                // The ops say the old text was a prefix; trust them once the lengths agree.
                if text.utf8.count + delta.utf8.count == current.utf8.count {
                    text += delta
                    return delta.isEmpty ? nil : .delta(delta)
                }
            }
        }
        return reconcile(current)
    }

    /// Whether the final outputs hold a reply at all (an empty one counts).
    public func hasReply(in outputs: [JSONValue]) -> Bool {
        outputs.indices.contains(outputIndex) && ChatbotValue.latestReply(in: outputs[outputIndex]) != nil
    }

    /// The final value from `process_completed`: whatever differs becomes the last update, so
    /// the reply ends byte for byte equal to the Space's final text.
    public mutating func finish(outputs: [JSONValue]) -> TextUpdate? {
        guard outputs.indices.contains(outputIndex) else { return nil }
        return reconcile(ChatbotValue.latestReply(in: outputs[outputIndex])?.text ?? text)
    }

    private mutating func reconcile(_ current: String) -> TextUpdate? {
        let known = text.utf8
        let now = current.utf8
        if known.count == now.count, current.hasUTF8Prefix(text) { return nil }
        if now.count > known.count, current.hasUTF8Prefix(text) {
            let delta = String(Substring(current.utf8.dropFirst(known.count)))
            text = current
            return .delta(delta)
        }
        text = current
        return .revised(current)
    }
}
