#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GradioClient
#if canImport(Glibc)
import Glibc
#endif

/// Appends a session's journal to `<directory>/<timestamp>-<id>.jsonl` (directory 0700, file
/// 0600). Deltas are batched and written at least every `flushInterval` while a reply streams;
/// every other entry is written at once. A write is one `write(2)` to a file opened with
/// O_APPEND, so a kill loses at most the unflushed deltas and leaves at most a torn last line.
///
/// When the directory or file cannot be written, `warning` says so once and the chat goes on.
public final class SessionFile: @unchecked Sendable {
    public let directory: String
    public let flushInterval: Double
    public private(set) var path: String?
    private var fd: Int32 = -1
    private var pendingDeltas: [(index: Int, text: String)] = []
    private var lastFlush: Double = 0
    private var failed = false
    private var pendingWarning: String?

    public init(directory: String, flushInterval: Double = 0.25) {
        self.directory = directory
        self.flushInterval = flushInterval
    }

    deinit {
        close()
    }

    /// `$XDG_DATA_HOME/qwen-chat/sessions`, or `~/.local/share/qwen-chat/sessions`.
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/qwen-chat/sessions" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.local/share/qwen-chat/sessions" }
        return nil
    }

    /// A warning to show once (the directory or file could not be written).
    public func takeWarning() -> String? {
        defer { pendingWarning = nil }
        return pendingWarning
    }

    public func record(_ entry: SessionJournal.Entry, now: Double) {
        if case .delta(let index, let text) = entry {
            if let last = pendingDeltas.last, last.index == index {
                pendingDeltas[pendingDeltas.count - 1].text += text
            } else {
                pendingDeltas.append((index, text))
            }
            flushIfDue(now: now)
            return
        }
        var lines = takeDeltaLines()
        lines += SessionJournal.line(for: entry)
        write(lines)
        lastFlush = now
    }

    /// Writes batched deltas once `flushInterval` has passed since the last write; the shell
    /// calls this on its frame tick so text reaches the disk even when no new token arrives.
    public func flushIfDue(now: Double) {
        guard !pendingDeltas.isEmpty, now - lastFlush >= flushInterval else { return }
        write(takeDeltaLines())
        lastFlush = now
    }

    /// Closes this file; the next entry opens a new one (`/clear`, `/load`).
    public func startNew() {
        close()
        failed = false
    }

    public func close() {
        if !pendingDeltas.isEmpty { write(takeDeltaLines()) }
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        path = nil
    }

    private func takeDeltaLines() -> String {
        defer { pendingDeltas.removeAll() }
        return pendingDeltas.map { SessionJournal.line(for: .delta(index: $0.index, text: $0.text)) }.joined()
    }

    private func write(_ text: String) {
        guard !text.isEmpty, openIfNeeded() else { return }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                fail("could not write the session file \(path ?? ""): \(String(cString: strerror(errno)))")
                return
            }
            offset += n
        }
        bytes.removeAll()
    }

    private func openIfNeeded() -> Bool {
        if fd >= 0 { return true }
        if failed { return false }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            _ = chmod(directory, 0o700)
        } catch {
            fail("cannot create \(directory) (\(error)); this session is not being saved")
            return false
        }
        let name = "\(Self.timestamp())-\(GradioClient.makeSessionHash().prefix(6)).jsonl"
        let candidate = directory + "/" + name
        let descriptor = open(candidate, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            fail("cannot create \(candidate) (\(String(cString: strerror(errno)))); this session is not being saved")
            return false
        }
        fd = descriptor
        path = candidate
        let header = SessionJournal.line(for: .session(id: String(name.dropLast(6)), started: Date().timeIntervalSince1970))
        var bytes = Array(header.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        return true
    }

    private func fail(_ message: String) {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        failed = true
        pendingWarning = pendingWarning ?? message
    }

    /// Local time, sortable: `20261125-143012`.
    public static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }
}
