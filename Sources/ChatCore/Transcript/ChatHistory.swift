import GradioClient

/// One earlier exchange of a conversation: what the user said and what came back.
public struct ChatExchange: Sendable, Equatable {
    public var user: String
    public var reply: String

    public init(user: String, reply: String) {
        self.user = user
        self.reply = reply
    }
}

/// How a chat function's history is written: the data format of the chatbot it fills.
/// Checked against Gradio 4.44.1, 5.50 and 6.31: each server hands the turns to the app.
public enum HistoryFormat: String, Sendable, Equatable {
    /// `[[user, reply], ...]`: a chatbot's default on 4.x and 5.x (and `modelscopechatbot`'s).
    case tuples
    /// `[{"role": "user", "content": text}, {"role": "assistant", ...}, ...]`: `type="messages"` on 4.x and 5.x.
    case messages
    /// Gradio 6's messages, whose content is a list of parts: `[{"type": "text", "text": text}]`
    /// (6.x refuses a bare string).
    case messageParts = "messages with content parts"

    /// The chatbot value holding `exchanges`, oldest first.
    public func value(of exchanges: [ChatExchange]) -> JSONValue {
        switch self {
        case .tuples:
            return .array(exchanges.map { .array([.string($0.user), .string($0.reply)]) })
        case .messages, .messageParts:
            return .array(exchanges.flatMap { [message("user", $0.user), message("assistant", $0.reply)] })
        }
    }

    private func message(_ role: String, _ text: String) -> JSONValue {
        var object = JSONObject()
        object["role"] = .string(role)
        if self == .messageParts {
            var part = JSONObject()
            part["type"] = .string("text")
            part["text"] = .string(text)
            object["content"] = .array([.object(part)])
        } else {
            object["content"] = .string(text)
        }
        return .object(object)
    }

    /// The format of a chatbot of this app: its `type` prop on 4.x and 5.x (tuples when it
    /// has none), messages with content parts on 6.x (the only format there).
    public static func of(_ chatbot: GradioConfig.Component, in config: GradioConfig) -> HistoryFormat {
        if let major = config.majorVersion, major >= 6 { return .messageParts }
        return chatbot.chatbotFormat == "messages" ? .messages : .tuples
    }
}
