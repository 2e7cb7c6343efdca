#if canImport(Glibc)
import Glibc
#endif

/// The file system as `/save`, `/load` and `/sessions` need it, so `ChatFiles` can be tested
/// with files in memory. Errors carry the reason as a short phrase ("Permission denied").
public protocol FileStore: Sendable {
    /// The whole file as UTF-8 text.
    func read(_ path: String) throws(FileStoreError) -> String
    /// Creates or replaces the file; it ends up with `mode` whether or not it existed.
    func write(_ text: String, to path: String, mode: UInt32) throws(FileStoreError)
    /// The names in `directory` (no "." or ".."); a missing directory has none.
    func list(_ directory: String) throws(FileStoreError) -> [String]
    /// The home directory for `~/`, if known.
    var home: String? { get }
}

public struct FileStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension FileStore {
    /// `~/notes.md` → `/home/me/notes.md`; anything else as it is.
    public func expandingHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home, !home.isEmpty else { return path }
        return home + path.dropFirst(1)
    }
}

/// The real file system, through POSIX calls.
public struct PosixFileStore: FileStore {
    public let home: String?

    public init(home: String?) {
        self.home = home
    }

    public func read(_ path: String) throws(FileStoreError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.lastError() }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.lastError()
            }
            if n == 0 { break }
            bytes += buffer[..<n]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileStoreError("not UTF-8 text") }
        return text
    }

    /// Writes a temporary file beside `path` and renames it over, so a failed write never
    /// leaves a half-written file where a good one was.
    public func write(_ text: String, to path: String, mode: UInt32) throws(FileStoreError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        guard fd >= 0 else { throw Self.lastError() }
        var failure: FileStoreError?
        // The umask may have taken bits away; a transcript is exactly `mode`.
        if fchmod(fd, mode_t(mode)) != 0 { failure = Self.lastError() }
        let bytes = Array(text.utf8)
        var offset = 0
        while failure == nil, offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n >= 0 {
                offset += n
            } else if errno != EINTR {
                failure = Self.lastError()
            }
        }
        if close(fd) != 0, failure == nil { failure = Self.lastError() }
        if failure == nil, rename(temporary, path) != 0 { failure = Self.lastError() }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    public func list(_ directory: String) throws(FileStoreError) -> [String] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw Self.lastError()
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    private static func lastError() -> FileStoreError {
        FileStoreError(String(cString: strerror(errno)))
    }
}
