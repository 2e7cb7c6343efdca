import GradioClient

/// The session file's lines: one JSON object per event, appended as the session goes, so a
/// crash or a kill loses at most the text since the last flush.
///
/// `{"type":"session"}` starts a file; `turn` opens (or, for `/retry`, reopens) turn `n`, with
/// `context`: how many earlier turns were sent as history (absent on lines of older versions
/// and on turns replayed by `/load`);
/// `delta` and `revised` carry reply text as it streams, `thinking` and `thinking_revised` its
/// reasoning; `end` closes a turn with its final text (and reasoning) and status.
public enum SessionJournal {
    public enum Entry: Sendable, Equatable {
        case session(id: String, started: Double)
        case turn(index: Int, user: String, system: String, model: String, time: Double, context: Int? = nil)
        case delta(index: Int, text: String)
        case revised(index: Int, text: String)
        case thinkingDelta(index: Int, text: String)
        case thinkingRevised(index: Int, text: String)
        case end(index: Int, status: Turn.Status, text: String, error: String?, time: Double, thinking: String = "")
    }

    public static func line(for entry: Entry) -> String {
        var object = JSONObject()
        switch entry {
        case .session(let id, let started):
            object["type"] = .string("session")
            object["format"] = .string("qwen-chat-session")
            object["version"] = .number(1)
            object["id"] = .string(id)
            object["started"] = .number(started)
        case .turn(let index, let user, let system, let model, let time, let context):
            object["type"] = .string("turn")
            object["turn"] = .number(index)
            object["user"] = .string(user)
            object["system"] = .string(system)
            object["model"] = .string(model)
            object["time"] = .number(time)
            if let context { object["context"] = .number(context) }
        case .delta(let index, let text):
            object["type"] = .string("delta")
            object["turn"] = .number(index)
            object["text"] = .string(text)
        case .revised(let index, let text):
            object["type"] = .string("revised")
            object["turn"] = .number(index)
            object["text"] = .string(text)
        case .thinkingDelta(let index, let text):
            object["type"] = .string("thinking")
            object["turn"] = .number(index)
            object["text"] = .string(text)
        case .thinkingRevised(let index, let text):
            object["type"] = .string("thinking_revised")
            object["turn"] = .number(index)
            object["text"] = .string(text)
        case .end(let index, let status, let text, let error, let time, let thinking):
            object["type"] = .string("end")
            object["turn"] = .number(index)
            object["status"] = .string(status.rawValue)
            object["text"] = .string(text)
            if !thinking.isEmpty { object["thinking"] = .string(thinking) }
            if let error { object["error"] = .string(error) }
            object["time"] = .number(time)
        }
        return JSONValue.object(object).jsonText + "\n"
    }

    /// Rebuilds a transcript from a session file. A torn last line (a kill mid-write) is
    /// tolerated and reported; a turn with no `end` is marked interrupted with its partial text.
    public static func transcript(from contents: String) throws -> (Transcript, warning: String?) {
        var transcript = Transcript()
        var warning: String?
        var sawHeader = false
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let json: JSONValue
            do {
                json = try JSONValue.parse(String(line))
            } catch {
                let isLast = lines[(number + 1)...].allSatisfy(\.isEmpty)
                if isLast && sawHeader {
                    warning = "the last line of the session file was cut off (the program was stopped mid-write); the text before it is kept"
                    break
                }
                throw TranscriptError("line \(number + 1) of the session file is not JSON")
            }
            let index = json["turn"]?.intValue ?? -1
            switch json["type"]?.stringValue {
            case "session":
                guard json["format"]?.stringValue == "qwen-chat-session" else { throw TranscriptError("not a qwen-chat session file") }
                sawHeader = true
            case "turn":
                let turn = Turn(
                    user: json["user"]?.stringValue ?? "",
                    systemPrompt: json["system"]?.stringValue ?? "",
                    modelSize: json["model"]?.stringValue ?? "",
                    startedAt: json["time"]?.doubleValue ?? 0,
                    status: .interrupted
                )
                if index >= 0, index < transcript.turns.count {
                    transcript.turns[index] = turn
                } else {
                    transcript.turns.append(turn)
                }
            case "delta":
                if transcript.turns.indices.contains(index) { transcript.turns[index].reply += json["text"]?.stringValue ?? "" }
            case "revised":
                if transcript.turns.indices.contains(index) { transcript.turns[index].reply = json["text"]?.stringValue ?? "" }
            case "thinking":
                if transcript.turns.indices.contains(index) { transcript.turns[index].thinking += json["text"]?.stringValue ?? "" }
            case "thinking_revised":
                if transcript.turns.indices.contains(index) { transcript.turns[index].thinking = json["text"]?.stringValue ?? "" }
            case "end":
                if transcript.turns.indices.contains(index) {
                    transcript.turns[index].reply = json["text"]?.stringValue ?? transcript.turns[index].reply
                    transcript.turns[index].thinking = json["thinking"]?.stringValue ?? transcript.turns[index].thinking
                    transcript.turns[index].status = json["status"]?.stringValue.flatMap(Turn.Status.init(rawValue:)) ?? .complete
                    transcript.turns[index].error = json["error"]?.stringValue
                    transcript.turns[index].finishedAt = json["time"]?.doubleValue
                }
            default:
                continue
            }
            guard sawHeader else { throw TranscriptError("not a qwen-chat session file") }
        }
        guard sawHeader else { throw TranscriptError("not a qwen-chat session file (empty)") }
        return (transcript, warning)
    }
}
