/// Decides how much of a streaming reply can be written to a stream that cannot be rewound
/// (a pipe or a file) so that what is written equals the final reply exactly.
///
/// The Qwen Space passes each snapshot through Python's `inspect.cleandoc`, which can rewrite
/// text already sent in four places: leading blank lines, the first line's leading whitespace,
/// the common indentation of the lines after the first (while all of them are indented), and
/// trailing blank lines. So the writer always holds back trailing whitespace, and once the
/// Space has revised earlier text it holds back everything after the first line until the end,
/// because the common indentation may change again (everything, first line included, when the
/// reply began with whitespace: its first line then came from a later raw line, which the
/// common indentation covers too). Everything else streams as it arrives.
///
/// A revision can still change text already written when the Space strips an indentation it
/// never showed (a whole indented line arriving in one token); `conflicts` counts those so the
/// caller can warn. `finish` always returns the remainder of the exact final text when the
/// written part is still a prefix of it.
public struct StableTextWriter: Sendable {
    /// The reply text as known now.
    public private(set) var text = ""
    /// How many UTF-8 bytes of `text` have been handed out for writing.
    public private(set) var writtenCount = 0
    public private(set) var conflicts = 0
    private var sawRevision = false
    /// Set once the text has started with whitespace. cleandoc strips the first raw line's
    /// leading whitespace, so such a text begins on a later raw line: its first line is then
    /// under the common indentation too, and a revision makes nothing safe before the end.
    private var startedWithWhitespace = false
    /// False after a revision changed bytes already written: nothing more can be exact.
    private var writtenIsPrefix = true

    public init() {}

    /// Applies an update and returns the text that is now safe to write.
    public mutating func apply(_ update: TextUpdate) -> String {
        switch update {
        case .delta(let piece):
            text += piece
        case .revised(let full):
            sawRevision = true
            replaceText(with: full)
        }
        if let first = text.utf8.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D {
            startedWithWhitespace = true
        }
        return release(upTo: stableLength())
    }

    /// The end of the reply: everything not yet written, if the written part is still a prefix.
    public mutating func finish(finalText: String) -> String {
        if text.utf8.count != finalText.utf8.count || !finalText.hasUTF8Prefix(text) { replaceText(with: finalText) }
        return release(upTo: text.utf8.count)
    }

    private mutating func replaceText(with full: String) {
        if writtenIsPrefix, !full.hasUTF8Prefix(text, length: writtenCount) {
            writtenIsPrefix = false
            conflicts += 1
        }
        text = full
    }

    private mutating func release(upTo end: Int) -> String {
        guard writtenIsPrefix, end > writtenCount else { return "" }
        let utf8 = text.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: writtenCount)
        let to = utf8.index(utf8.startIndex, offsetBy: end)
        writtenCount = end
        return String(Substring(utf8[from..<to]))
    }

    /// The length in bytes of the prefix of `text` that no later snapshot can change.
    private func stableLength() -> Int {
        let utf8 = text.utf8
        // Hold back trailing whitespace: trailing blank lines vanish and the next line's
        // indentation is still unknown.
        var end = utf8.count
        var index = utf8.endIndex
        while index > utf8.startIndex {
            let before = utf8.index(before: index)
            let byte = utf8[before]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { break }
            index = before
            end -= 1
        }
        if sawRevision, startedWithWhitespace {
            // Leading blank lines were stripped: even the first line may gain indentation back.
            end = 0
        } else if sawRevision {
            // Only the first line is safe now; finding its end stops at the first newline.
            var firstLineEnd = 0
            for byte in utf8 {
                if byte == 0x0A || firstLineEnd >= end { break }
                firstLineEnd += 1
            }
            end = min(end, firstLineEnd)
        }
        return max(end, writtenCount)
    }
}
