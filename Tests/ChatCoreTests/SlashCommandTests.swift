import ChatCore
import TestSupport
import Testing

@Suite("Slash commands")
struct SlashCommandTests {
    @Test("parses every command and its arguments", arguments: [
        ("/system", SlashCommand.system(.show)),
        ("/system Be brief.  ", .system(.set("Be brief."))),
        ("/system reset", .system(.reset)),
        ("/SYSTEM Reset", .system(.reset)),
        ("/model", .model(nil)),
        ("/model coder-7b", .model("Coder-7B")),
        ("/model 1.5B", .model("1.5B")),
        ("/clear", .clear),
        ("/history", .history(.showTranscript)),
        ("/history on", .history(.enable)),
        ("/history off", .history(.disable)),
        ("/history clear", .history(.clear)),
        ("/retry", .retry),
        ("/save", .save(path: nil)),
        ("/save notes/chat.json", .save(path: "notes/chat.json")),
        ("/load ~/x.jsonl", .load(path: "~/x.jsonl")),
        ("/sessions", .sessions),
        ("/copy", .copy),
        ("/space", .space(id: nil, url: nil)),
        ("/space Qwen/Qwen2.5", .space(id: "Qwen/Qwen2.5", url: nil)),
        ("/space o/n http://127.0.0.1:8080/x", .space(id: "o/n", url: "http://127.0.0.1:8080/x")),
        ("/copy code", .copyCode(nil)),
        ("/copy code 2", .copyCode(2)),
        ("/edit", .edit),
        ("/info", .info),
        ("/set stats on", .set(.stats, true)),
        ("/set markdown off", .set(.markdown, false)),
        ("/set stats", .set(.stats, nil)),
        ("/help", .help(nil)),
        ("/help /model", .help("model")),
        ("/quit", .quit),
        ("/exit", .quit),
    ] as [(String, SlashCommand)])
    func parses(_ line: String, _ expected: SlashCommand) throws {
        #expect(try SlashCommand.parse(line).get() == expected)
    }

    @Test("rejects bad arguments with a one-line reason", arguments: [
        ("/model 99B", "unknown model size '99B'"),
        ("/history maybe", "/history takes on, off or clear"),
        ("/load", "/load needs a file name"),
        ("/clear now", "/clear takes no arguments"),
        ("/set colour on", "/set takes stats or markdown"),
        ("/set stats maybe", "/set stats takes on or off"),
        ("/copy all", "/copy takes nothing, or code and a block number"),
        ("/copy code 0", "/copy code takes a block number from 1"),
        ("/space qwen", "'qwen' is not a Space id of the form Owner/Name"),
        ("/space o/n ftp://x", "'ftp://x' is not an http:// or https:// URL"),
        ("/space o/n http://x y", "/space takes a Space id (Owner/Name) and, optionally, a URL"),
    ])
    func rejects(_ line: String, _ reason: String) {
        guard case .failure(let error) = SlashCommand.parse(line) else {
            Issue.record("\(line) parsed")
            return
        }
        #expect(error.description.hasPrefix(reason))
        #expect(!error.description.contains("\n"))
    }

    @Test("unknown commands get a suggestion")
    func suggestions() {
        guard case .failure(let error) = SlashCommand.parse("/sytem hi") else { Issue.record("parsed"); return }
        #expect(error.description == "unknown command /sytem; did you mean /system? (/help lists them)")
        #expect(SlashCommand.suggestion(for: "mod") == "model")
        #expect(SlashCommand.suggestion(for: "qiut") == "quit")
        #expect(SlashCommand.suggestion(for: "frobnicate") == nil)
    }

    @Test("a doubled slash is a message, not a command")
    func doubledSlash() {
        #expect(SlashCommand.isCommand("/model"))
        #expect(!SlashCommand.isCommand("//model is a word"))
        #expect(!SlashCommand.isCommand("hello /model"))
    }

    @Test("every command has help text")
    func helpText() {
        let all = SlashCommand.helpText(for: nil)
        for entry in SlashCommand.help { #expect(all.contains(entry.usage)) }
        #expect(SlashCommand.helpText(for: "model").contains("Math-72B"))
        #expect(SlashCommand.helpText(for: "sytem") == "no command /sytem; did you mean /system?")
    }

    @Test("Tab completes command names and fixed arguments")
    func completion() {
        #expect(SlashCommand.completions(line: "/mo", cursor: 3) == ["/model"])
        #expect(Set(SlashCommand.completions(line: "/s", cursor: 2)) == ["/system", "/save", "/sessions", "/space", "/set"])
        #expect(SlashCommand.completions(line: "/model Coder", cursor: 12) == ["Coder-7B", "Coder-1.5B"])
        #expect(SlashCommand.completions(line: "/model math-7", cursor: 13) == ["Math-72B", "Math-7B"])
        #expect(SlashCommand.completions(line: "/history o", cursor: 10) == ["on", "off"])
        #expect(SlashCommand.completions(line: "/set stats o", cursor: 12) == ["on", "off"])
        #expect(SlashCommand.completions(line: "/system re", cursor: 10) == ["reset"])
        #expect(SlashCommand.completions(line: "hello", cursor: 5) == [])
    }
}

@Suite("Tab completion of /model")
struct ModelCompletionTests {
    @Test("the Space's choices once known, else Qwen2.5's sizes")
    func modelChoices() {
        #expect(SlashCommand.completions(line: "/model c", cursor: 8) == ["Coder-7B", "Coder-1.5B"])
        #expect(SlashCommand.completions(line: "/model q", cursor: 8, modelChoices: ["qwen-max", "qwen-plus", "Other"]) == ["qwen-max", "qwen-plus"])
        #expect(SlashCommand.completions(line: "/model ", cursor: 7, modelChoices: []) == [])
    }
}
