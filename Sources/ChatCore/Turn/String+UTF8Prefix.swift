#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether this string's UTF-8 starts with the first `length` bytes of `prefix` (all of it
    /// by default): a memory comparison, where comparing the views element by element costs
    /// nanoseconds per byte of a reply that can be megabytes long.
    func hasUTF8Prefix(_ prefix: String, length: Int? = nil) -> Bool {
        let count = length ?? prefix.utf8.count
        guard count <= prefix.utf8.count, count <= utf8.count else { return false }
        if count == 0 { return true }
        var me = self
        var other = prefix
        return me.withUTF8 { mine in
            other.withUTF8 { theirs in memcmp(mine.baseAddress!, theirs.baseAddress!, count) == 0 }
        }
    }

    /// Whether the UTF-8 bytes end with `suffix`'s.
    func hasUTF8Suffix(_ suffix: String) -> Bool {
        let mine = utf8, theirs = suffix.utf8
        guard theirs.count <= mine.count else { return false }
        return mine.dropFirst(mine.count - theirs.count).elementsEqual(theirs)
    }
}
