import GradioClient

/// The latest reply in a chatbot value: its answer and, apart from it, its reasoning.
public struct ReplyParts: Sendable, Equatable {
    public var answer: String
    /// Where the answer's text is (streamed appends go there); nil when there is no answer yet.
    public var answerPath: [JSONPathComponent]?
    /// Reasoning the Space keeps apart from the answer: `ChatMessage` thoughts (messages with
    /// `metadata.title`) or modelscope `tool` parts. Inline `<think>` tags are in the answer
    /// text; `ThinkTagSplitter` takes them out.
    public var thinking: String
    public var thinkingPath: [JSONPathComponent]?

    public init(answer: String = "", answerPath: [JSONPathComponent]? = nil, thinking: String = "", thinkingPath: [JSONPathComponent]? = nil) {
        self.answer = answer
        self.answerPath = answerPath
        self.thinking = thinking
        self.thinkingPath = thinkingPath
    }
}

/// Finds the latest assistant text in a chatbot output, whatever shape the app uses:
/// - pairs of strings `[[user, assistant], ...]` (Gradio's tuples format),
/// - pairs of message objects with `text` (the Qwen Space's modelscope_studio chatbot),
/// - messages `{role, content}` with string content (Gradio 4/5 `type="messages"`), where an
///   assistant message with `metadata.title` is a thought (`gr.ChatMessage`), not the answer,
/// - messages whose content is a list of `{type: "text", text}` parts (Gradio 6), or of
///   modelscope `{type: "tool" | "text", content}` parts (Qwen3-Demo's pro.Chatbot: a tool
///   part is the reasoning),
/// - any of these inside an update wrapper `{"__type__": "update", "value": …}`,
/// - or a bare string or one message (a `ChatInterface` whose output is the reply itself).
public enum ChatbotValue {
    /// The answer's text and the path to it, or nil when there is no assistant reply yet.
    public static func latestReply(in value: JSONValue) -> (text: String, path: [JSONPathComponent])? {
        guard let parts = latestReplyParts(in: value), let path = parts.answerPath else { return nil }
        return (parts.answer, path)
    }

    /// The latest reply's answer and reasoning, nil when there is neither yet.
    public static func latestReplyParts(in value: JSONValue) -> ReplyParts? {
        parts(in: value, path: [])
    }

    private static func parts(in value: JSONValue, path: [JSONPathComponent]) -> ReplyParts? {
        switch value {
        case .string(let text):
            return ReplyParts(answer: text, answerPath: path)
        case .object(let object):
            if object["__type__"]?.stringValue == "update", let inner = object["value"] {
                return parts(in: inner, path: path + [.key("value")])
            }
            // One message (a ChatInterface's raw output): a thought when it has a title.
            if let title = object["metadata"]?["title"]?.stringValue, !title.isEmpty, let content = object["content"] {
                return text(of: content, path: path + [.key("content")]).map { ReplyParts(thinking: $0.0, thinkingPath: $0.1) }
            }
            return messageParts(value, path: path)
        case .array(let items):
            guard let last = items.indices.last else { return nil }
            // Pairs: [user, assistant].
            if case .array(let pair) = items[last] {
                guard pair.count >= 2 else { return nil }
                return messageParts(pair[1], path: path + [.index(last), .index(1)])
            }
            // Messages: the assistant messages after the last user message, in order.
            var first = items.endIndex
            for index in items.indices.reversed() {
                guard let role = items[index]["role"]?.stringValue else { continue }
                if role == "user" { break }
                if role == "assistant" { first = index }
            }
            var reply: ReplyParts?
            for index in first..<items.endIndex where items[index]["role"]?.stringValue == "assistant" {
                guard let content = items[index]["content"] else { continue }
                let contentPath = path + [.index(index), .key("content")]
                let title = items[index]["metadata"]?["title"]?.stringValue ?? ""
                var found = reply ?? ReplyParts()
                if !title.isEmpty {
                    guard let (text, textPath) = text(of: content, path: contentPath) else { continue }
                    found.thinking = found.thinkingPath == nil ? text : found.thinking + "\n\n" + text
                    found.thinkingPath = textPath
                } else {
                    guard let message = messageParts(content, path: contentPath) else { continue }
                    // The answer is the last message that is not a thought.
                    if let answerPath = message.answerPath {
                        found.answer = message.answer
                        found.answerPath = answerPath
                    }
                    if let thinkingPath = message.thinkingPath {
                        found.thinking = found.thinkingPath == nil ? message.thinking : found.thinking + "\n\n" + message.thinking
                        found.thinkingPath = thinkingPath
                    }
                }
                reply = found
            }
            return reply
        default:
            return nil
        }
    }

    /// One message (a string, `{text}`, `{content}`, or a list of content parts).
    private static func messageParts(_ message: JSONValue, path: [JSONPathComponent]) -> ReplyParts? {
        switch message {
        case .string(let text):
            return ReplyParts(answer: text, answerPath: path)
        case .object(let object):
            if case .string(let text)? = object["text"] { return ReplyParts(answer: text, answerPath: path + [.key("text")]) }
            if let content = object["content"] { return messageParts(content, path: path + [.key("content")]) }
            return nil
        case .array(let parts):
            // Content parts: the answer is their text parts joined (streaming appends go to the
            // last), the reasoning their `tool` parts.
            var reply = ReplyParts()
            var any = false
            for (index, part) in parts.enumerated() {
                let type = part["type"]?.stringValue ?? "text"
                let partPath = path + [.index(index)]
                let (piece, piecePath): (String?, [JSONPathComponent]) = switch (part["text"], part["content"]) {
                case (.string(let text)?, _): (text, partPath + [.key("text")])
                case (_, .string(let text)?): (text, partPath + [.key("content")])
                default: (nil, partPath)
                }
                guard let piece else { continue }
                any = true
                if type == "text" {
                    reply.answer += piece
                    reply.answerPath = piecePath
                } else if type == "tool" {
                    reply.thinking = reply.thinkingPath == nil ? piece : reply.thinking + "\n\n" + piece
                    reply.thinkingPath = piecePath
                }
            }
            return any ? reply : nil
        default:
            return nil
        }
    }

    /// A thought's text, wherever its message keeps it.
    private static func text(of content: JSONValue, path: [JSONPathComponent]) -> (String, [JSONPathComponent])? {
        guard let parts = messageParts(content, path: path), let answerPath = parts.answerPath else { return nil }
        return (parts.answer, answerPath)
    }
}
