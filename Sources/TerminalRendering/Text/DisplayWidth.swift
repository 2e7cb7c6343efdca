/// Terminal column widths of text, computed per grapheme cluster (Swift `Character`).
///
/// The renderer never asks the terminal where the cursor is; it predicts wrapping from these
/// widths, so they follow what modern grapheme-aware terminals draw: East Asian Wide and
/// Fullwidth = 2, emoji presentation (including ZWJ sequences, skin tones, flags, keycaps and
/// VS16 sequences) = 2, marks/ZWJ/variation selectors inside a cluster = 0, controls = 0.
/// East Asian Ambiguous characters count as 1.
public enum DisplayWidth {
    /// Columns taken by `s` when printed from column 0 without wrapping (tabs count 0;
    /// the renderer expands them to spaces itself).
    public static func of(_ s: Substring) -> Int {
        var w = 0
        for c in s { w += of(c) }
        return w
    }

    public static func of(_ s: String) -> Int { of(s[...]) }

    /// Columns taken by one grapheme cluster.
    public static func of(_ c: Character) -> Int {
        if let a = c.asciiValue {
            return (a < 0x20 || a == 0x7F) ? 0 : 1
        }
        let scalars = c.unicodeScalars
        let first = scalars.first!
        if scalars.count == 1 { return of(first) }
        let p = first.properties
        if p.isEmojiPresentation { return 2 }
        var hasVS16 = false, hasModifier = false, hasZWJ = false
        var widest = 0
        for s in scalars {
            switch s.value {
            case 0xFE0F: hasVS16 = true
            case 0x200D: hasZWJ = true
            case 0x1F3FB...0x1F3FF: hasModifier = true
            default: break
            }
            widest = max(widest, of(s))
        }
        // VS16 asks for emoji presentation; a skin-tone modifier implies it.
        if p.isEmoji && (hasVS16 || (hasModifier && p.isEmojiModifierBase)) { return 2 }
        if hasZWJ && p.isEmoji && p.isEmojiModifierBase { return 2 }
        // Base + marks, Hangul L+V+T, CRLF: the widest member decides.
        return min(widest, 2)
    }

    /// Columns taken by one scalar on its own.
    public static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x300 { return 1 }
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }  // Hangul medial/final jamo
        let p = s.properties
        switch p.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control:
            return 0
        default:
            break
        }
        if p.isEmojiPresentation || isWide(v) { return 2 }
        return 1
    }

    /// East Asian Wide / Fullwidth ranges (compacted from EastAsianWidth.txt, emoji left to
    /// the Emoji_Presentation property).
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x3247,
        0x3250...0x4DBF, 0x4E00...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
        0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
        0x1F200...0x1F2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        var lo = 0, hi = wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = wideRanges[mid]
            if v < r.lowerBound { hi = mid - 1 } else if v > r.upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }
}
