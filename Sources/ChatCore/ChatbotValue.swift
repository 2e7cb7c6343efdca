import GradioClient

/// Finds the latest assistant text in a chatbot output, whatever shape the app uses:
/// - pairs of strings `[[user, assistant], ...]` (Gradio's tuples format),
/// - pairs of message objects with `text` (the Qwen Space's modelscope_studio chatbot),
/// - messages `{role, content}` with string content (Gradio 4/5 `type="messages"`),
/// - messages whose content is a list of `{type: "text", text}` parts (Gradio 6),
/// - or a bare string or one message (a `ChatInterface` whose output is the reply itself).
public enum ChatbotValue {
    /// The text and the path to it, or nil when there is no assistant reply yet.
    public static func latestReply(in value: JSONValue) -> (text: String, path: [JSONPathComponent])? {
        switch value {
        case .string(let text):
            return (text, [])
        case .object:
            return messageText(value, path: [])
        case .array(let items):
            guard let last = items.indices.last else { return nil }
            // Pairs: [user, assistant].
            if case .array(let pair) = items[last] {
                guard pair.count >= 2 else { return nil }
                return messageText(pair[1], path: [.index(last), .index(1)])
            }
            // Messages: the last one with role "assistant", after the last user message.
            for index in items.indices.reversed() {
                guard let role = items[index]["role"]?.stringValue else { continue }
                if role == "user" { return nil }
                if role == "assistant", let content = items[index]["content"] {
                    return messageText(content, path: [.index(index), .key("content")])
                }
            }
            return nil
        default:
            return nil
        }
    }

    private static func messageText(_ message: JSONValue, path: [JSONPathComponent]) -> (String, [JSONPathComponent])? {
        switch message {
        case .string(let text):
            return (text, path)
        case .object(let object):
            if case .string(let text)? = object["text"] { return (text, path + [.key("text")]) }
            if let content = object["content"] { return messageText(content, path: path + [.key("content")]) }
            return nil
        case .array(let parts):
            // Content parts: the text is their text parts joined; streaming appends go to the last.
            var text = ""
            var lastPath: [JSONPathComponent]?
            for (index, part) in parts.enumerated() {
                if case .string(let piece)? = part["text"], part["type"]?.stringValue ?? "text" == "text" {
                    text += piece
                    lastPath = path + [.index(index), .key("text")]
                }
            }
            return lastPath.map { (text, $0) }
        default:
            return nil
        }
    }
}
