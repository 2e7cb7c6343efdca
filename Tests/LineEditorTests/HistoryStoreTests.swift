import Foundation
import Testing
@testable import LineEditor
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp, removed at deinit.
final class TempDir {
    let path: String
    init() {
        var template = Array("/tmp/le-history-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private func mode(_ path: String) -> mode_t {
    var st = stat()
    precondition(stat(path, &st) == 0, "stat \(path)")
    return st.st_mode & 0o777
}

private func inode(_ path: String) -> ino_t {
    var st = stat()
    precondition(stat(path, &st) == 0)
    return st.st_ino
}

private func contents(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

@Suite struct HistoryStoreTests {
    @Test(arguments: [
        "plain", "back\\slash", "two\nlines", "literal \\n not a newline", "\\", "\\\\n", "trailing\\",
        "cr\r\nlf", "你好 🙂 e\u{301}", "\n\nleading newlines", "tab\there",
    ])
    func escapingRoundTrip(_ entry: String) {
        let line = HistoryStore.escape(entry)
        #expect(!line.contains("\n"))
        #expect(HistoryStore.unescape(line[...]) == entry)
        #expect(HistoryStore.decode(HistoryStore.encode([entry, "next"])) == [entry, "next"])
    }

    @Test func escapedFormatIsAsDocumented() {
        #expect(HistoryStore.encode(["a\\b", "x\ny"]) == "a\\\\b\nx\\ny\n")
        #expect(HistoryStore.unescape("odd \\q and end \\"[...]) == "odd \\q and end \\")
    }

    @Test func multiLineEntriesSurviveARestart() {
        let dir = TempDir()
        let path = dir.path + "/qwen-chat/history"
        let first = HistoryStore(path: path)
        #expect(first.add("line one\nline two \\\nthree") == nil)
        #expect(first.add("你好") == nil)
        let second = HistoryStore(path: path)
        #expect(second.load() == nil)
        #expect(second.entries == ["line one\nline two \\\nthree", "你好"])
    }

    @Test func capDropsOldest() {
        let dir = TempDir()
        let path = dir.path + "/h/history"
        let store = HistoryStore(path: path, capacity: 5)
        for i in 1...8 { store.add("entry \(i)") }
        #expect(store.entries == (4...8).map { "entry \($0)" })
        #expect(HistoryStore.decode(contents(path)) == (4...8).map { "entry \($0)" })
        #expect(HistoryStore.defaultCapacity == 1000)
    }

    @Test func defaultCapIsAThousand() {
        let dir = TempDir()
        let path = dir.path + "/h/history"
        let store = HistoryStore(path: path)
        for i in 1...1005 { store.add("e\(i)") }
        let onDisk = HistoryStore.decode(contents(path))
        #expect(onDisk.count == 1000)
        #expect(onDisk.first == "e6")
        #expect(onDisk.last == "e1005")
    }

    @Test func leadingSpaceAndBlankAreNotRecorded() {
        let dir = TempDir()
        let store = HistoryStore(path: dir.path + "/history")
        store.add(" secret")
        store.add("")
        store.add("   ")
        store.add("kept")
        #expect(store.entries == ["kept"])
        #expect(!HistoryStore.shouldRecord(" x", after: nil))
    }

    @Test func consecutiveDuplicatesAreNotRecorded() {
        let dir = TempDir()
        let store = HistoryStore(path: dir.path + "/history")
        for e in ["a", "a", "b", "a", "a"] { store.add(e) }
        #expect(store.entries == ["a", "b", "a"])
    }

    @Test func permissions() {
        let dir = TempDir()
        let stateDir = dir.path + "/state"
        let path = stateDir + "/qwen-chat/history"
        let old = umask(0o022)
        defer { umask(old) }
        let store = HistoryStore(path: path)
        #expect(store.add("x") == nil)
        #expect(mode(stateDir) == 0o700)
        #expect(mode(stateDir + "/qwen-chat") == 0o700)
        #expect(mode(path) == 0o600)
        #expect(mode(stateDir + "/qwen-chat/history.lock") == 0o600)
    }

    @Test func writesAreAtomicRenames() throws {
        let dir = TempDir()
        let path = dir.path + "/history"
        let store = HistoryStore(path: path)
        store.add("one")
        let before = inode(path)
        // A reader that opened the old file keeps seeing a complete old version.
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        store.add("two")
        #expect(inode(path) != before)
        #expect(String(decoding: reader.readDataToEndOfFile(), as: UTF8.self) == "one\n")
        try reader.close()
        #expect(contents(path) == "one\ntwo\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func unwritableFileWarnsOnAdd() throws {
        let dir = TempDir()
        let path = dir.path + "/history"
        let store = HistoryStore(path: path)
        #expect(store.load() == nil)
        // A directory where the file should be: rename() over it fails, even as root.
        try FileManager.default.createDirectory(atPath: path + "/x", withIntermediateDirectories: true)
        let first = store.add("one")
        #expect(first != nil)
        #expect(store.add("two") == nil)
        #expect(store.entries == ["one", "two"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func twoInstancesMergeInsteadOfOverwriting() {
        let dir = TempDir()
        let path = dir.path + "/history"
        let a = HistoryStore(path: path)
        let b = HistoryStore(path: path)
        a.load(); b.load()
        a.add("from a")
        b.add("from b")  // b never saw "from a" in memory, but re-reads under the lock
        #expect(HistoryStore.decode(contents(path)) == ["from a", "from b"])
        #expect(b.entries == ["from a", "from b"])
    }

    @Test func concurrentWritersUnderLock() async {
        let dir = TempDir()
        let path = dir.path + "/history"
        let perWriter = 150
        await withTaskGroup(of: Void.self) { group in
            for w in 0..<2 {
                group.addTask {
                    // Separate instances = separate open file descriptions, so flock excludes
                    // them exactly as it would two processes.
                    let store = HistoryStore(path: path)
                    for i in 0..<perWriter { store.add("writer \(w) entry \(i)") }
                }
            }
        }
        let onDisk = HistoryStore.decode(contents(path))
        #expect(onDisk.count == 2 * perWriter)
        for w in 0..<2 {
            let mine = onDisk.filter { $0.hasPrefix("writer \(w) ") }
            #expect(mine == (0..<perWriter).map { "writer \(w) entry \($0)" })
        }
    }

    @Test func concurrentProcessesUnderLock() throws {
        // Two real processes appending via flock + rename-based writes of the same format: a
        // shell loop that takes the same lock (flock(1)) and the store in this process.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/flock") else { return }
        let dir = TempDir()
        let path = dir.path + "/history"
        let script = """
        for i in $(seq 0 99); do
          flock "\(dir.path)/history.lock" sh -c 'cat "\(path)" 2>/dev/null > "\(path).tmpsh"; echo "shell $0" >> "\(path).tmpsh"; mv "\(path).tmpsh" "\(path)"' "$i"
        done
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        try p.run()
        let store = HistoryStore(path: path)
        for i in 0..<100 { store.add("swift \(i)") }
        p.waitUntilExit()
        let onDisk = HistoryStore.decode(contents(path))
        #expect(onDisk.filter { $0.hasPrefix("shell ") } == (0..<100).map { "shell \($0)" })
        #expect(onDisk.filter { $0.hasPrefix("swift ") } == (0..<100).map { "swift \($0)" })
    }

    @Test func unwritableDirectoryWarnsOnceAndKeepsMemory() throws {
        let dir = TempDir()
        // A regular file where a directory should be: fails even as root.
        let blocker = dir.path + "/blocker"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let store = HistoryStore(path: blocker + "/qwen-chat/history")
        let warnings = [store.load(), store.add("one"), store.add("two")].compactMap { $0 }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("Not a directory") == true)
        #expect(store.entries == ["one", "two"])
        #expect(store.clear() == nil)
        store.add("three")
        #expect(store.entries == ["three"])
        #expect(!store.isPersistent)
    }

    @Test func disabledByEnvironment() {
        let dir = TempDir()
        let env = ["XDG_STATE_HOME": dir.path, "QWEN_CHAT_NO_HISTORY": "1"]
        let store = HistoryStore.fromEnvironment(env)!
        #expect(!store.isEnabled)
        store.add("x")
        #expect(store.entries.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/qwen-chat"))
    }

    @Test func toggleAndClear() {
        let dir = TempDir()
        let path = dir.path + "/history"
        let store = HistoryStore(path: path)
        store.add("a")
        store.isEnabled = false
        store.add("b")
        store.isEnabled = true
        store.add("c")
        #expect(store.entries == ["a", "c"])
        #expect(store.clear() == nil)
        #expect(store.entries.isEmpty)
        #expect(contents(path) == "")
    }

    @Test func defaultPaths() {
        #expect(HistoryStore.defaultPath(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/h"]) == "/x/state/qwen-chat/history")
        #expect(HistoryStore.defaultPath(environment: ["HOME": "/h"]) == "/h/.local/state/qwen-chat/history")
        #expect(HistoryStore.defaultPath(environment: ["XDG_STATE_HOME": "relative", "HOME": "/h"]) == "/h/.local/state/qwen-chat/history")
        #expect(HistoryStore.defaultPath(environment: [:]) == nil)
        #expect(HistoryStore.fromEnvironment(["HOME": "/h"])?.isEnabled == true)
    }
}
