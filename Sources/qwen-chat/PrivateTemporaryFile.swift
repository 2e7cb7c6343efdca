#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An empty file at an unpredictable path: `mkstemps` (0600, `O_EXCL`) inside a fresh directory
/// from `mkdtemp` (0700). A fixed name in a shared /tmp would let another local user plant a
/// symlink there or read the draft.
struct PrivateTemporaryFile {
    /// The private directory; `remove()` deletes it with everything in it (an editor's backups too).
    let directory: String
    let path: String

    /// Nil when `parent` does not exist or is not writable.
    init?(in parent: String, prefix: String, name: String, suffix: String) {
        let parent = parent.hasSuffix("/") ? parent : parent + "/"
        var directoryTemplate = Array((parent + prefix + "XXXXXX").utf8CString)
        guard let directory = directoryTemplate.withUnsafeMutableBufferPointer({ buffer in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
        }) else { return nil }
        var fileTemplate = Array((directory + "/" + name + "XXXXXX" + suffix).utf8CString)
        let fd = fileTemplate.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        guard fd >= 0 else {
            rmdir(directory)
            return nil
        }
        close(fd)
        self.directory = directory
        self.path = fileTemplate.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
