import ChatCore
import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

/// Files in memory: paths are plain keys, a directory is any prefix ending in "/", and paths
/// under `readOnly` or `unreadable` fail the way the real calls do.
final class MemoryFileStore: FileStore {
    struct File: Equatable {
        var text: String
        var mode: UInt32
    }

    let home: String?
    let readOnly: String
    let unreadable: String
    let files = Mutex<[String: File]>([:])

    init(home: String? = "/home/me", readOnly: String = "/ro/", unreadable: String = "/secret/") {
        self.home = home
        self.readOnly = readOnly
        self.unreadable = unreadable
    }

    subscript(path: String) -> File? { files.withLock { $0[path] } }

    func read(_ path: String) throws(FileStoreError) -> String {
        if path.hasPrefix(unreadable) { throw FileStoreError("Permission denied") }
        guard let file = files.withLock({ $0[path] }) else { throw FileStoreError("No such file or directory") }
        return file.text
    }

    func write(_ text: String, to path: String, mode: UInt32) throws(FileStoreError) {
        if path.hasPrefix(readOnly) { throw FileStoreError("Read-only file system") }
        files.withLock { $0[path] = File(text: text, mode: mode) }
    }

    func list(_ directory: String) throws(FileStoreError) -> [String] {
        if (directory + "/").hasPrefix(unreadable) { throw FileStoreError("Permission denied") }
        let prefix = directory + "/"
        return files.withLock { files in
            files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.map { String($0.dropFirst(prefix.count)) }
        }
    }
}

private let sample = Transcript(turns: [
    Turn(user: "hi 你好", reply: "Hello!", systemPrompt: "S", modelSize: "72B", startedAt: 10, finishedAt: 11, status: .complete),
    Turn(user: "more", reply: "part", systemPrompt: "S", modelSize: "7B", startedAt: 12, finishedAt: 13, status: .interrupted),
])

private func journal(_ turns: [(user: String, reply: String)]) -> String {
    var text = SessionJournal.line(for: .session(id: "x", started: 1))
    for (index, turn) in turns.enumerated() {
        text += SessionJournal.line(for: .turn(index: index, user: turn.user, system: "S", model: "72B", time: 1))
        text += SessionJournal.line(for: .end(index: index, status: .complete, text: turn.reply, error: nil, time: 2))
    }
    return text
}

@Suite("/save, /load, /sessions over a file store")
struct ChatFilesTests {
    let store = MemoryFileStore()
    var files: ChatFiles { ChatFiles(store: store, sessionDirectory: "/data/sessions") }

    @Test("/save writes Markdown by default and JSON for .json, 0600; /load reads the JSON back")
    func saveAndLoad() throws {
        #expect(files.save(sample, to: nil, timestamp: "20261127-120000") == .success("saved 2 turns to qwen-chat-20261127-120000.md"))
        let markdown = try #require(store["qwen-chat-20261127-120000.md"])
        #expect(markdown.mode == 0o600)
        #expect(markdown.text == sample.markdown(title: "qwen-chat session, 20261127-120000"))

        #expect(files.save(sample, to: "~/chat.JSON", timestamp: "t") == .success("saved 2 turns to /home/me/chat.JSON"))
        #expect(store["/home/me/chat.JSON"]?.mode == 0o600)
        #expect(files.load("~/chat.JSON") == .success(.loaded(sample, warning: nil)))
    }

    @Test("/load reads a session journal, torn last line and all")
    func loadJournal() throws {
        try store.write(journal([("first", "one"), ("second", "two")]) + "{\"type\":\"del", to: "/data/sessions/a.jsonl", mode: 0o600)
        guard case .success(.loaded(let transcript, let warning)) = files.load("/data/sessions/a.jsonl") else {
            Issue.record("not loaded")
            return
        }
        #expect(transcript.turns.map(\.user) == ["first", "second"])
        #expect(transcript.turns.map(\.reply) == ["one", "two"])
        #expect(warning?.contains("cut off") == true)
    }

    @Test("unreadable, unwritable and malformed files fail as one line naming the file")
    func failures() throws {
        #expect(files.save(sample, to: "/ro/x.md", timestamp: "t") == .failure(.init("could not write /ro/x.md: Read-only file system")))
        #expect(files.load("/nowhere.json") == .failure(.init("cannot read /nowhere.json: No such file or directory")))
        #expect(files.load("/secret/s.jsonl") == .failure(.init("cannot read /secret/s.jsonl: Permission denied")))
        try store.write("{not json\n\n", to: "/bad.json", mode: 0o600)
        guard case .failure(let bad) = files.load("/bad.json") else { Issue.record("loaded bad JSON"); return }
        #expect(bad.message.hasPrefix("cannot load /bad.json: "))
        #expect(!bad.message.contains("\n"))
        try store.write("{\"type\":\"other\"}\nnope\n", to: "/bad.jsonl", mode: 0o600)
        guard case .failure(let journal) = files.load("/bad.jsonl") else { Issue.record("loaded a bad journal"); return }
        #expect(journal.message == "cannot load /bad.jsonl: line 2 of the session file is not JSON")
    }

    @Test("/sessions lists journals newest first with turn counts and a one-line preview")
    func sessions() throws {
        try store.write(journal([("old", "r")]), to: "/data/sessions/20261101-100000-aaaaaa.jsonl", mode: 0o600)
        try store.write(journal([("line one\nline two " + String(repeating: "x", count: 60), "r"), ("b", "r")]), to: "/data/sessions/20261127-100000-bbbbbb.jsonl", mode: 0o600)
        try store.write("not a journal", to: "/data/sessions/notes.txt", mode: 0o600)
        try store.write("", to: "/data/sessions/20261120-100000-cccccc.jsonl", mode: 0o600)
        let found = try files.sessions().get()
        #expect(found.map(\.path) == [
            "/data/sessions/20261127-100000-bbbbbb.jsonl", "/data/sessions/20261120-100000-cccccc.jsonl", "/data/sessions/20261101-100000-aaaaaa.jsonl",
        ])
        #expect(found.map(\.turns) == [2, 0, 1])
        #expect(found[0].line() == "/data/sessions/20261127-100000-bbbbbb.jsonl  2 turns  line one line two " + String(repeating: "x", count: 32) + "…")
        #expect(found[2].line { $0.uppercased() } == "/data/sessions/20261101-100000-aaaaaa.jsonl  1 turn  OLD")
        #expect(try files.sessions(limit: 1).get().count == 1)
    }

    @Test("/sessions without a directory, with a missing one, or an unreadable one")
    func sessionsFailures() throws {
        #expect(ChatFiles(store: store, sessionDirectory: nil).sessions() == .failure(.init("no session directory (HOME is not set)")))
        #expect(try files.sessions().get() == [])
        #expect(ChatFiles(store: store, sessionDirectory: "/secret/sessions").sessions() == .failure(.init("cannot list /secret/sessions: Permission denied")))
    }

    @Test("~/ expands only with a home directory")
    func homeExpansion() {
        #expect(store.expandingHome("~/a.md") == "/home/me/a.md")
        #expect(store.expandingHome("~a.md") == "~a.md")
        #expect(MemoryFileStore(home: nil).expandingHome("~/a.md") == "~/a.md")
    }
}

@Suite("POSIX file store")
struct PosixFileStoreTests {
    @Test("writes 0600 even over an existing file, reads back, lists; errors are strerror phrases")
    func roundTrip() throws {
        let root = NSTemporaryDirectory() + "qc-files-\(uniqueTag())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = PosixFileStore(home: root)
        let path = root + "/t.md"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old old old".utf8), attributes: [.posixPermissions: 0o644]))
        try store.write("new 你好", to: path, mode: 0o600)
        #expect(try store.read(path) == "new 你好")
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try store.list(root) == ["t.md"], "no temporary file is left behind")
        #expect(throws: FileStoreError("Is a directory")) { try store.write("x", to: root, mode: 0o600) }
        #expect(try store.list(root) == ["t.md"], "nor after a failed rename")
        #expect(try store.list(root + "/missing") == [])
        #expect(throws: FileStoreError("No such file or directory")) { try store.read(root + "/missing.md") }
        #expect(throws: FileStoreError("No such file or directory")) { try store.write("x", to: root + "/missing/x.md", mode: 0o600) }
        #expect(FileManager.default.createFile(atPath: root + "/bin", contents: Data([0xFF, 0xFE])))
        #expect(throws: FileStoreError("not UTF-8 text")) { try store.read(root + "/bin") }

        let files = ChatFiles(store: store, sessionDirectory: root)
        #expect(files.save(sample, to: "~/s.json", timestamp: "t") == .success("saved 2 turns to \(root)/s.json"))
        #expect(files.load("~/s.json") == .success(.loaded(sample, warning: nil)))
    }
}
