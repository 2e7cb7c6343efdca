import GradioClient

/// One exchange: what the user sent, what came back, and under which settings.
public struct Turn: Sendable, Equatable {
    public enum Status: String, Sendable {
        case streaming, complete, interrupted, failed
    }

    public var user: String
    /// The answer: what `/copy`, `/retry` and the context send use.
    public var reply: String
    /// The reasoning that came with it, apart from the answer (empty for most models).
    public var thinking = ""
    public var systemPrompt: String
    public var modelSize: String
    /// Seconds since 1970.
    public var startedAt: Double
    public var finishedAt: Double?
    public var status: Status
    /// The one-line error when `status` is `failed`.
    public var error: String?

    public init(user: String, reply: String = "", systemPrompt: String, modelSize: String, startedAt: Double,
                finishedAt: Double? = nil, status: Status = .streaming, error: String? = nil) {
        self.user = user
        self.reply = reply
        self.systemPrompt = systemPrompt
        self.modelSize = modelSize
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.error = error
    }
}

/// The conversation as this client keeps it. The Space remembers nothing between requests.
public struct Transcript: Sendable, Equatable {
    public var turns: [Turn] = []

    public init(turns: [Turn] = []) {
        self.turns = turns
    }

    /// What `/context on` sends before turn `index`: the earlier turns that have a reply (a
    /// partial reply counts as what was said; a turn that failed with no text does not), in
    /// order, the last `limit` of them.
    public func contextExchanges(before index: Int, limit: Int) -> [ChatExchange] {
        let earlier = turns.prefix(max(0, min(index, turns.count))).filter { !$0.reply.isEmpty }
        return earlier.suffix(max(0, limit)).map { ChatExchange(user: $0.user, reply: $0.reply) }
    }

    public var characterCount: Int {
        turns.reduce(0) { $0 + $1.user.count + $1.reply.count }
    }

    /// Markdown for `/save`: headings per speaker; replies verbatim.
    public func markdown(title: String) -> String {
        var out = "# \(title)\n"
        var lastSettings: (String, String)?
        for turn in turns {
            if lastSettings == nil || lastSettings! != (turn.systemPrompt, turn.modelSize) {
                out += "\n> System prompt: \(turn.systemPrompt.replacingNewlines(with: " "))  \n> Model: \(QwenSpace.displayName(ofModel: turn.modelSize))\n"
                lastSettings = (turn.systemPrompt, turn.modelSize)
            }
            out += "\n## You\n\n\(turn.user)\n\n## Qwen\n\n"
            if !turn.thinking.isEmpty {
                out += "<details>\n<summary>Thinking</summary>\n\n\(turn.thinking.trimmingTrailingNewlines())\n\n</details>\n\n"
            }
            out += "\(turn.reply)\n"
            switch turn.status {
            case .complete, .streaming: break
            case .interrupted: out += "\n*(interrupted)*\n"
            case .failed: out += "\n*(failed: \(turn.error ?? "error"))*\n"
            }
        }
        return out
    }

    /// JSON for `/save x.json`, read back by `/load`.
    public var json: JSONValue {
        var root = JSONObject()
        root["format"] = .string("qwen-chat-transcript")
        root["version"] = .number(1)
        root["turns"] = .array(turns.map { $0.json })
        return .object(root)
    }

    public init(json: JSONValue) throws {
        guard json["format"]?.stringValue == "qwen-chat-transcript", case .array(let items)? = json["turns"] else {
            throw TranscriptError("not a qwen-chat transcript (expected the JSON written by /save)")
        }
        turns = try items.map(Turn.init(json:))
    }
}

public struct TranscriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Turn {
    var json: JSONValue {
        var object = JSONObject()
        object["user"] = .string(user)
        object["reply"] = .string(reply)
        if !thinking.isEmpty { object["thinking"] = .string(thinking) }
        object["system"] = .string(systemPrompt)
        object["model"] = .string(modelSize)
        object["started"] = .number(startedAt)
        object["finished"] = finishedAt.map { .number($0) } ?? .null
        object["status"] = .string(status.rawValue)
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    init(json: JSONValue) throws {
        guard let user = json["user"]?.stringValue else { throw TranscriptError("a turn without 'user'") }
        self.init(
            user: user,
            reply: json["reply"]?.stringValue ?? "",
            // Not recorded: unknown (a load makes it the Space's own).
            systemPrompt: json["system"]?.stringValue ?? "",
            modelSize: json["model"]?.stringValue ?? "",
            startedAt: json["started"]?.doubleValue ?? 0,
            finishedAt: json["finished"]?.doubleValue,
            status: json["status"]?.stringValue.flatMap(Status.init(rawValue:)) ?? .complete,
            error: json["error"]?.stringValue
        )
        thinking = json["thinking"]?.stringValue ?? ""
    }
}

extension String {
    func replacingNewlines(with replacement: String) -> String {
        split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: replacement)
    }
}
