import GradioClient

/// The file work of `/save`, `/load` and `/sessions`, over a `FileStore`. Every failure is one
/// line for the user; nothing here prints.
public struct ChatFiles: Sendable {
    public struct Failure: Error, Sendable, Equatable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    /// A saved session as `/sessions` lists it.
    public struct SessionSummary: Sendable, Equatable {
        public var path: String
        public var turns: Int
        public var firstMessage: String

        /// "<path>  2 turns  <first message on one line, at most 50 characters…>"; the first
        /// message is the user's text, so the shell passes its sanitizer.
        public func line(sanitize: (String) -> String = { $0 }) -> String {
            var first = firstMessage.replacing("\n", with: " ")
            if first.count > 50 { first = String(first.prefix(50)) + "…" }
            return "\(path)  \(turns) turn\(turns == 1 ? "" : "s")  \(sanitize(first))"
        }
    }

    public let store: any FileStore
    /// Where the session journals are (`SessionFile.defaultDirectory`), if anywhere.
    public let sessionDirectory: String?

    public init(store: any FileStore, sessionDirectory: String?) {
        self.store = store
        self.sessionDirectory = sessionDirectory
    }

    /// `/save [file]`: JSON when the name ends in `.json`, else Markdown; the file is 0600.
    /// - Parameter timestamp: `SessionFile.timestamp()`, for the default name and the title.
    /// - Returns: the line that says what was saved.
    public func save(_ transcript: Transcript, to path: String?, timestamp: String) -> Result<String, Failure> {
        let target = path.map(store.expandingHome) ?? "qwen-chat-\(timestamp).md"
        let contents = target.lowercased().hasSuffix(".json")
            ? transcript.json.jsonText + "\n"
            : transcript.markdown(title: "qwen-chat session, \(timestamp)")
        do {
            try store.write(contents, to: target, mode: 0o600)
        } catch {
            return .failure(Failure("could not write \(target): \(error.reason)"))
        }
        let count = transcript.turns.count
        return .success("saved \(count) turn\(count == 1 ? "" : "s") to \(target)")
    }

    /// `/load <file>`: a `.json` file from `/save`, or a session `.jsonl` journal.
    /// - Returns: the controller's `.loaded` input.
    public func load(_ path: String) -> Result<ChatController.Input, Failure> {
        let target = store.expandingHome(path)
        let contents: String
        do {
            contents = try store.read(target)
        } catch {
            return .failure(Failure("cannot read \(target): \(error.reason)"))
        }
        do {
            if target.lowercased().hasSuffix(".json") {
                return .success(.loaded(try Transcript(json: JSONValue.parse(contents)), warning: nil))
            }
            let (transcript, warning) = try SessionJournal.transcript(from: contents)
            return .success(.loaded(transcript, warning: warning))
        } catch {
            return .failure(Failure("cannot load \(target): \(String(describing: error).replacing("\n", with: " "))"))
        }
    }

    /// `/sessions`: saved sessions, newest first (the names start with a sortable timestamp).
    /// A journal that cannot be read is listed with no turns.
    public func sessions(limit: Int = 20) -> Result<[SessionSummary], Failure> {
        guard let directory = sessionDirectory else { return .failure(Failure("no session directory (HOME is not set)")) }
        let names: [String]
        do {
            names = try store.list(directory)
        } catch {
            return .failure(Failure("cannot list \(directory): \(error.reason)"))
        }
        return .success(names.filter { $0.hasSuffix(".jsonl") }.sorted(by: >).prefix(limit).map { name in
            let path = directory + "/" + name
            let contents = (try? store.read(path)) ?? ""
            let transcript = (try? SessionJournal.transcript(from: contents))?.0 ?? Transcript()
            return SessionSummary(path: path, turns: transcript.turns.count, firstMessage: transcript.turns.first?.user ?? "")
        })
    }
}
