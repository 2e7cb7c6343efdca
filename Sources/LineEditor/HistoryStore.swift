#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A problem that made the history store fall back to memory only. Reported once; print it.
public struct HistoryStoreWarning: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Persistent prompt history with its own file format.
///
/// - File: `$XDG_STATE_HOME/qwen-chat/history` (fallback `~/.local/state/qwen-chat/history`);
///   directories created 0700, the file 0600.
/// - Format: UTF-8, one entry per line; `\` is written as `\\` and a newline as `\n` (`\r` as
///   `\r`), so multi-line entries survive intact.
/// - At most `capacity` entries (default 1000); the oldest are dropped.
/// - Not recorded: empty/blank entries, entries starting with a space, an entry equal to the
///   previous one.
/// - Every change is a read-merge-write under an exclusive `flock` on `history.lock` next to the
///   file: re-read the file, append, cap, write a temp file in the same directory, `rename` it
///   over. Two processes (or two instances) never lose each other's entries or see a torn file.
/// - When the file cannot be written, the first failing call returns a `HistoryStoreWarning`
///   and the store keeps working in memory from then on (no further warnings).
public final class HistoryStore: Sendable {
    public static let defaultCapacity = 1000

    public let path: String
    public let capacity: Int

    /// What the store knows, guarded across threads; the file itself is guarded by `flock`.
    private struct State {
        var entries: [String] = []
        var isEnabled: Bool
        var isPersistent = true
    }

    private let state: Mutex<State>

    public init(path: String, capacity: Int = HistoryStore.defaultCapacity, isEnabled: Bool = true) {
        self.path = path
        self.capacity = max(1, capacity)
        state = Mutex(State(isEnabled: isEnabled))
    }

    /// The store described by the environment: the XDG path, disabled by `QWEN_CHAT_NO_HISTORY=1`.
    /// Nil when no path can be derived (neither XDG_STATE_HOME nor HOME is set).
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> HistoryStore? {
        guard let path = defaultPath(environment: environment) else { return nil }
        let disabled = environment["QWEN_CHAT_NO_HISTORY"].map { $0 == "1" || $0.lowercased() == "true" } ?? false
        return HistoryStore(path: path, isEnabled: !disabled)
    }

    public static func defaultPath(environment: [String: String]) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/qwen-chat/history"
        }
        if let home = environment["HOME"], !home.isEmpty {
            return home + "/.local/state/qwen-chat/history"
        }
        return nil
    }

    /// Entries, oldest first.
    public var entries: [String] { state.withLock { $0.entries } }

    /// When false nothing is read or recorded (`/history off`, `QWEN_CHAT_NO_HISTORY=1`).
    public var isEnabled: Bool {
        get { state.withLock { $0.isEnabled } }
        set { state.withLock { $0.isEnabled = newValue } }
    }

    /// False once writing failed; the store then works in memory only.
    public var isPersistent: Bool { state.withLock { $0.isPersistent } }

    /// Whether `entry` would be recorded after `previous`.
    public static func shouldRecord(_ entry: String, after previous: String?) -> Bool {
        if entry.isEmpty || entry.hasPrefix(" ") { return false }
        if entry.allSatisfy({ $0.isWhitespace }) { return false }
        return entry != previous
    }

    /// Reads the file (missing file = empty history). Does nothing when disabled.
    @discardableResult
    public func load() -> HistoryStoreWarning? {
        state.withLock { state in
            guard state.isEnabled else { return nil }
            switch Self.readEntries(path: path) {
            case .success(let list):
                state.entries = Array(list.suffix(capacity))
                return nil
            case .failure(let warning):
                return Self.degrade(&state, warning)
            }
        }
    }

    /// Records an entry (subject to the rules above). Returns a warning only the first time the
    /// file cannot be written.
    @discardableResult
    public func add(_ entry: String) -> HistoryStoreWarning? {
        state.withLock { state in
            guard state.isEnabled, Self.shouldRecord(entry, after: nil) else { return nil }
            if state.isPersistent {
                let result = withFileLock { () -> Result<[String], HistoryStoreWarning> in
                    var list: [String]
                    switch Self.readEntries(path: path) {
                    case .success(let l): list = l
                    case .failure(let w): return .failure(w)
                    }
                    if Self.shouldRecord(entry, after: list.last) { list.append(entry) }
                    if list.count > capacity { list.removeFirst(list.count - capacity) }
                    if let w = Self.writeAtomically(list, path: path) { return .failure(w) }
                    return .success(list)
                }
                switch result {
                case .success(let list):
                    state.entries = list
                    return nil
                case .failure(let warning):
                    let w = Self.degrade(&state, warning)
                    appendInMemory(entry, to: &state)
                    return w
                }
            }
            appendInMemory(entry, to: &state)
            return nil
        }
    }

    /// Empties the history, in memory and on disk.
    @discardableResult
    public func clear() -> HistoryStoreWarning? {
        state.withLock { state in
            state.entries = []
            guard state.isPersistent else { return nil }
            let warning = withFileLock { Self.writeAtomically([], path: path) }
            return warning.flatMap { Self.degrade(&state, $0) }
        }
    }

    // MARK: - Internals (state lock held)

    private func appendInMemory(_ entry: String, to state: inout State) {
        guard Self.shouldRecord(entry, after: state.entries.last) else { return }
        state.entries.append(entry)
        if state.entries.count > capacity { state.entries.removeFirst(state.entries.count - capacity) }
    }

    /// Switches to memory-only; returns the warning the first time only.
    private static func degrade(_ state: inout State, _ warning: HistoryStoreWarning) -> HistoryStoreWarning? {
        guard state.isPersistent else { return nil }
        state.isPersistent = false
        return HistoryStoreWarning("history disabled for this session (kept in memory only): \(warning.message)")
    }

    private var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    private func withFileLock<T>(_ body: () -> T) -> T where T: ResultOrWarning {
        if let w = Self.ensureDirectory(directory) { return T.fromWarning(w) }
        let lockPath = directory + "/history.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return T.fromWarning(HistoryStoreWarning("cannot open \(lockPath): \(Self.errnoString())"))
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            return T.fromWarning(HistoryStoreWarning("cannot lock \(lockPath): \(Self.errnoString())"))
        }
        defer { _ = flock(fd, LOCK_UN) }
        return body()
    }

    // MARK: - File format

    static func escape(_ entry: String) -> String {
        var out = ""
        out.reserveCapacity(entry.utf8.count)
        for scalar in entry.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func unescape(_ line: Substring) -> String {
        var out = ""
        var iterator = line.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "\\" else { out.unicodeScalars.append(scalar); continue }
            switch iterator.next() {
            case "\\": out += "\\"
            case "n": out += "\n"
            case "r": out += "\r"
            case let other?: out += "\\"; out.unicodeScalars.append(other)  // unknown: keep as is
            case nil: out += "\\"
            }
        }
        return out
    }

    static func encode(_ entries: [String]) -> String {
        entries.map { escape($0) + "\n" }.joined()
    }

    static func decode(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { unescape($0) }
    }

    // MARK: - POSIX helpers

    static func errnoString() -> String { String(cString: strerror(errno)) }

    static func readEntries(path: String) -> Result<[String], HistoryStoreWarning> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return .success([]) }
            return .failure(HistoryStoreWarning("cannot read \(path): \(errnoString())"))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(HistoryStoreWarning("cannot read \(path): \(errnoString())"))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return .success(decode(String(decoding: bytes, as: UTF8.self)))
    }

    /// Creates missing directories with mode 0700.
    static func ensureDirectory(_ dir: String) -> HistoryStoreWarning? {
        var st = stat()
        if stat(dir, &st) == 0 {
            return (st.st_mode & S_IFMT) == S_IFDIR ? nil : HistoryStoreWarning("\(dir) is not a directory")
        }
        if let slash = dir.lastIndex(of: "/"), slash != dir.startIndex {
            if let w = ensureDirectory(String(dir[..<slash])) { return w }
        }
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            return HistoryStoreWarning("cannot create \(dir): \(errnoString())")
        }
        _ = chmod(dir, 0o700)  // in case the umask took bits away
        return nil
    }

    static func writeAtomically(_ entries: [String], path: String) -> HistoryStoreWarning? {
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let tmp = "\(dir.isEmpty ? "" : dir)/.history.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return HistoryStoreWarning("cannot write \(tmp): \(errnoString())") }
        var ok = fchmod(fd, 0o600) == 0
        let data = Array(encode(entries).utf8)
        var offset = 0
        while ok && offset < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + offset, data.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                ok = false
            } else {
                offset += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        let message = ok ? "" : errnoString()
        close(fd)
        guard ok else {
            unlink(tmp)
            return HistoryStoreWarning("cannot write \(tmp): \(message)")
        }
        if rename(tmp, path) != 0 {
            let message = errnoString()
            unlink(tmp)
            return HistoryStoreWarning("cannot replace \(path): \(message)")
        }
        return nil
    }
}

/// Lets `withFileLock` report a lock/directory failure in the caller's own return type.
protocol ResultOrWarning {
    static func fromWarning(_ warning: HistoryStoreWarning) -> Self
}

extension Optional: ResultOrWarning where Wrapped == HistoryStoreWarning {
    static func fromWarning(_ warning: HistoryStoreWarning) -> Self { .some(warning) }
}

extension Result: ResultOrWarning where Failure == HistoryStoreWarning {
    static func fromWarning(_ warning: HistoryStoreWarning) -> Self { .failure(warning) }
}
