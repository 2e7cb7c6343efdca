/// A slash command typed at the chat prompt, parsed but not yet acted on.
public enum SlashCommand: Sendable, Equatable {
    public enum SystemAction: Sendable, Equatable { case show, set(String), reset }
    public enum HistoryAction: Sendable, Equatable { case showTranscript, enable, disable, clear }
    public enum Setting: String, Sendable, CaseIterable { case stats, markdown }

    case system(SystemAction)
    case model(String?)
    /// `/model reset`: back to the Space's own.
    case modelReset
    case clear
    case history(HistoryAction)
    case retry
    case save(path: String?)
    case load(path: String)
    case sessions
    case copy
    /// `/copy code [K]`: the K-th code block of the last reply (1-based; nil: the last one).
    case copyCode(Int?)
    case edit
    case info
    /// `/space [Owner/Name [URL]]`: show the Space, or switch to another (the URL overrides its host).
    case space(id: String?, url: String?)
    case set(Setting, Bool?)
    /// `/context [on | off]`: nil shows the mode.
    case context(Bool?)
    /// `/thinking`: the last reply's reasoning; with a display, how reasoning shows from now on.
    case thinking(ThinkingDisplay?)
    /// `/think [on | off | budget N]`: whether and how long the Space's model thinks.
    case think(ThinkAction)
    public enum ThinkAction: Sendable, Equatable { case show, on(Bool), budget(Int) }
    case help(String?)
    case quit

    /// What `/help` lists: name, arguments, one-line summary and the longer text.
    public struct Help: Sendable {
        public let name: String
        public let usage: String
        public let summary: String
        public let details: String
        /// Argument words Tab completes, when the set is fixed.
        public let completions: [String]
    }

    public static let help: [Help] = [
        Help(name: "system", usage: "/system [text | reset]", summary: "show or set the system prompt",
             details: "/system shows the system prompt in force (the Space's own unless you set one). /system TEXT sets it for the next turns. /system reset goes back to the Space's own.",
             completions: ["reset"]),
        Help(name: "model", usage: "/model [name | reset]", summary: "show or set the model",
             details: "The Space's own choices once connected (see /info); on Qwen/Qwen2.5: \(QwenSpace.modelSizes.joined(separator: " ")). Unless you set one, the Space's own default (72B on Qwen/Qwen2.5). /model reset goes back to it.",
             completions: QwenSpace.modelSizes + ["reset"]),
        Help(name: "clear", usage: "/clear", summary: "start a fresh transcript (keeps the system prompt)",
             details: "Starts a new session file; the old one stays on disk (see /sessions).", completions: []),
        Help(name: "history", usage: "/history [on | off | clear]", summary: "print this session's transcript, or control input history",
             details: "/history prints the transcript. /history off stops recording input lines, /history on resumes, /history clear empties the input history file.",
             completions: ["on", "off", "clear"]),
        Help(name: "retry", usage: "/retry", summary: "send the last message again and replace its reply",
             details: "Uses the system prompt and model size in force now.", completions: []),
        Help(name: "save", usage: "/save [file]", summary: "write the transcript as Markdown (or JSON for *.json)",
             details: "Without a file name, writes qwen-chat-<time>.md in the current directory.", completions: []),
        Help(name: "load", usage: "/load <file>", summary: "load a saved session (.json from /save, or a session .jsonl)",
             details: "Replaces the transcript and the system prompt and model size with the loaded ones, and prints it.", completions: []),
        Help(name: "sessions", usage: "/sessions", summary: "list saved sessions",
             details: "Sessions are kept in $XDG_DATA_HOME/qwen-chat/sessions (default ~/.local/share/qwen-chat/sessions).", completions: []),
        Help(name: "copy", usage: "/copy [code [K]]", summary: "copy the last reply (or one of its code blocks) to the clipboard (OSC 52)",
             details: "Asks the terminal to set the clipboard; only ever done when you type /copy. /copy copies the exact raw reply; /copy code copies its last code block, /copy code K the K-th, without the fences. Some terminals need OSC 52 enabled.", completions: ["code"]),
        Help(name: "edit", usage: "/edit", summary: "write the next message in $EDITOR",
             details: "Opens $VISUAL or $EDITOR (default vi); the saved text is sent when the editor exits. An empty file sends nothing.", completions: []),
        Help(name: "info", usage: "/info", summary: "show endpoint, Gradio version, model, system prompt and transcript size",
             details: "", completions: []),
        Help(name: "space", usage: "/space [Owner/Name [URL]]", summary: "show the Space, or switch to another (keeps the transcript)",
             details: "/space shows the Space and URL in use. /space Owner/Name talks to that Space from the next turn on (its host https://owner-name.hf.space, or URL when given); the Hub is asked whether it is asleep, building or paused. The transcript stays; the model and system prompt you did not set become the new Space's own.",
             completions: []),
        Help(name: "set", usage: "/set stats|markdown on|off", summary: "toggle reply statistics or Markdown styling",
             details: "/set stats on shows elapsed time and characters per second after each reply. /set markdown off shows replies unstyled.",
             completions: ["stats", "markdown"]),
        Help(name: "context", usage: "/context [on | off]", summary: "send earlier turns as history (off by default), or show the mode",
             details: "Off: each request carries only the system prompt and your latest message. /context on also sends this transcript's earlier turns that have a reply (an interrupted turn's partial reply counts), the last \(ChatSettings().contextTurns) by default (--context-turns N), as the Space's chatbot history; /clear starts from nothing, /load from the loaded turns. A Space whose chat endpoint takes no history refuses it; before the first reply that is checked at the next turn. Also --context.",
             completions: ["on", "off"]),
        Help(name: "thinking", usage: "/thinking [collapse | show | hide]", summary: "print the last reply's reasoning, or choose how reasoning shows",
             details: "A model that thinks before it answers sends its reasoning apart from the answer; it is never part of the answer, /copy or /retry. collapse (the default): it streams dimmed under a Thinking line and folds to one line when the answer starts. show: it stays on the screen in full. hide: only the one line. /thinking prints the last reply's reasoning in full. Also --thinking.",
             completions: ThinkingDisplay.allCases.map(\.rawValue)),
        Help(name: "think", usage: "/think [on | off | budget N]", summary: "ask the Space's model to think or not, and for how long",
             details: "On a Space with a thinking switch (Qwen3-Demo's), /think off turns it off for the next turns (it is flipped in each turn's session before the message). /think budget N sets the Space's thinking budget (Qwen3-Demo: N times 1024 tokens, 1-38). /think shows the setting; where the Space has no such setting, the turn says so.",
             completions: ["on", "off", "budget"]),
        Help(name: "help", usage: "/help [command]", summary: "list commands, or explain one", details: "", completions: []),
        Help(name: "quit", usage: "/quit", summary: "leave (also /exit or Ctrl-D)", details: "", completions: []),
        Help(name: "exit", usage: "/exit", summary: "leave (also /quit or Ctrl-D)", details: "", completions: []),
    ]

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Whether a line is a command rather than a message. `//text` sends `/text` as a message.
    public static func isCommand(_ line: String) -> Bool {
        line.hasPrefix("/") && !line.hasPrefix("//")
    }

    /// Parses `/name args`. Unknown commands get a suggestion.
    /// - Parameter modelChoices: the sizes `/model` accepts (the Space's, once known); nil
    ///   before the Space is known: any name, checked at the next turn.
    public static func parse(_ line: String, modelChoices: [String]? = QwenSpace.modelSizes) -> Result<SlashCommand, ParseError> {
        let trimmed = line.trimmingWhitespace()
        guard trimmed.hasPrefix("/") else { return .failure(ParseError("not a command")) }
        let body = trimmed.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace }).lowercased()
        let argument = String(body.dropFirst(name.count)).trimmingWhitespace()
        let words = argument.split(whereSeparator: \.isWhitespace).map(String.init)
        func noArguments(_ command: SlashCommand) -> Result<SlashCommand, ParseError> {
            argument.isEmpty ? .success(command) : .failure(ParseError("/\(name) takes no arguments"))
        }
        switch name {
        case "system":
            if argument.isEmpty { return .success(.system(.show)) }
            if argument.lowercased() == "reset" { return .success(.system(.reset)) }
            return .success(.system(.set(argument)))
        case "model":
            if argument.isEmpty { return .success(.model(nil)) }
            if argument.lowercased() == "reset" { return .success(.modelReset) }
            guard let modelChoices else { return .success(.model(argument)) }
            guard !modelChoices.isEmpty else { return .failure(ParseError("this Space's chat endpoint has no model choice")) }
            guard let size = modelChoices.first(where: { $0.lowercased() == argument.lowercased() }) else {
                return .failure(ParseError("unknown model size '\(argument)'; choose one of \(modelChoices.joined(separator: " "))"))
            }
            return .success(.model(size))
        case "clear": return noArguments(.clear)
        case "history":
            switch argument.lowercased() {
            case "": return .success(.history(.showTranscript))
            case "on": return .success(.history(.enable))
            case "off": return .success(.history(.disable))
            case "clear": return .success(.history(.clear))
            default: return .failure(ParseError("/history takes on, off or clear"))
            }
        case "retry": return noArguments(.retry)
        case "save": return .success(.save(path: argument.isEmpty ? nil : argument))
        case "load":
            guard !argument.isEmpty else { return .failure(ParseError("/load needs a file name")) }
            return .success(.load(path: argument))
        case "sessions": return noArguments(.sessions)
        case "copy":
            if words.isEmpty { return .success(.copy) }
            guard words[0].lowercased() == "code", words.count <= 2 else { return .failure(ParseError("/copy takes nothing, or code and a block number")) }
            guard words.count == 2 else { return .success(.copyCode(nil)) }
            guard let k = Int(words[1]), k >= 1 else { return .failure(ParseError("/copy code takes a block number from 1")) }
            return .success(.copyCode(k))
        case "edit": return noArguments(.edit)
        case "info": return noArguments(.info)
        case "think":
            switch (words.first?.lowercased(), words.count) {
            case (nil, _): return .success(.think(.show))
            case ("on"?, 1): return .success(.think(.on(true)))
            case ("off"?, 1): return .success(.think(.on(false)))
            case ("budget"?, 2):
                guard let budget = Int(words[1]), (1...1024).contains(budget) else { return .failure(ParseError("/think budget takes a number from 1 to 1024")) }
                return .success(.think(.budget(budget)))
            default: return .failure(ParseError("/think takes on, off, or budget and a number"))
            }
        case "thinking":
            guard let word = words.first else { return .success(.thinking(nil)) }
            guard words.count == 1, let display = ThinkingDisplay(rawValue: word.lowercased()) else {
                return .failure(ParseError("/thinking takes collapse, show or hide"))
            }
            return .success(.thinking(display))
        case "space":
            guard let id = words.first else { return .success(.space(id: nil, url: nil)) }
            guard words.count <= 2 else { return .failure(ParseError("/space takes a Space id (Owner/Name) and, optionally, a URL")) }
            guard QwenSpace.url(forSpaceID: id) != nil else { return .failure(ParseError("'\(id)' is not a Space id of the form Owner/Name")) }
            guard words.count == 2 else { return .success(.space(id: id, url: nil)) }
            let url = words[1]
            guard url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") else {
                return .failure(ParseError("'\(url)' is not an http:// or https:// URL"))
            }
            return .success(.space(id: id, url: url))
        case "set":
            guard let first = words.first, let setting = Setting(rawValue: first.lowercased()) else {
                return .failure(ParseError("/set takes stats or markdown, then on or off"))
            }
            guard words.count <= 2 else { return .failure(ParseError("/set \(setting.rawValue) takes on or off")) }
            guard words.count == 2 else { return .success(.set(setting, nil)) }
            switch words[1].lowercased() {
            case "on": return .success(.set(setting, true))
            case "off": return .success(.set(setting, false))
            default: return .failure(ParseError("/set \(setting.rawValue) takes on or off"))
            }
        case "context":
            switch argument.lowercased() {
            case "": return .success(.context(nil))
            case "on": return .success(.context(true))
            case "off": return .success(.context(false))
            default: return .failure(ParseError("/context takes on or off"))
            }
        case "help", "?":
            let topic = argument.hasPrefix("/") ? String(argument.dropFirst()) : argument
            return .success(.help(topic.isEmpty ? nil : topic.lowercased()))
        case "quit", "exit": return noArguments(.quit)
        case "":
            return .failure(ParseError("type /help for the commands, or //text to send a message starting with /"))
        default:
            if let guess = suggestion(for: name) {
                return .failure(ParseError("unknown command /\(name); did you mean /\(guess)? (/help lists them)"))
            }
            return .failure(ParseError("unknown command /\(name); /help lists them"))
        }
    }

    /// The closest command name, by edit distance or prefix, if it is close enough.
    public static func suggestion(for name: String) -> String? {
        let names = help.map(\.name)
        if let byPrefix = names.first(where: { $0.hasPrefix(name) && !name.isEmpty }) { return byPrefix }
        let scored = names.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, best.count / 3) else { return nil }
        return best
    }

    /// The help text: all commands, or one.
    public static func helpText(for topic: String?) -> String {
        if let topic {
            guard let entry = help.first(where: { $0.name == topic }) else {
                return "no command /\(topic)" + (suggestion(for: topic).map { "; did you mean /\($0)?" } ?? "")
            }
            return entry.usage + " — " + entry.summary + (entry.details.isEmpty ? "" : "\n" + entry.details)
        }
        let width = help.map(\.usage.count).max() ?? 0
        var lines = help.map { $0.usage.padding(toLength: width + 2) + $0.summary }
        lines.append("")
        lines.append("Keys: Enter sends; paste a block, or type \"\"\" to open and close one, or end a line with \\ to continue it.")
        lines.append("Ctrl-C stops a reply (or clears the line); Ctrl-D on an empty line leaves. //text sends a message starting with /.")
        return lines.joined(separator: "\n")
    }

    /// Tab completion candidates for the word under the cursor.
    /// - Parameter modelChoices: what `/model` completes to: the Space's choices once known,
    ///   else Qwen2.5's sizes.
    public static func completions(line: String, cursor: Int, modelChoices: [String]? = nil) -> [String] {
        let before = String(line.prefix(cursor))
        guard before.hasPrefix("/") else { return [] }
        let words = before.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if words.count == 1 {
            return help.map { "/" + $0.name }.filter { $0.hasPrefix(before.lowercased()) }
        }
        let name = String(words[0].dropFirst()).lowercased()
        let current = words.last!.lowercased()
        if name == "set", words.count == 3 { return ["on", "off"].filter { $0.hasPrefix(current) } }
        guard words.count == 2, let entry = help.first(where: { $0.name == name }) else { return [] }
        if name == "help" { return help.map(\.name).filter { $0.hasPrefix(current) } }
        if name == "model", let modelChoices { return modelChoices.filter { $0.lowercased().hasPrefix(current) } }
        return entry.completions.filter { $0.lowercased().hasPrefix(current) }
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
