import GradioClient

/// A ZeroGPU Space's refusals (the `spaces` package, 0.51) in plain words. They arrive as a
/// failed job whose error has a title ("ZeroGPU quota exceeded", "ZeroGPU queue timeout", ...)
/// and a text that may hold HTML links and ends with "Try again in 0:03:27" (a Python
/// `timedelta`); older Gradio versions drop the title, so the text's phrases count too.
public enum ZeroGPUError {
    public enum Kind: Sendable, Equatable {
        /// The caller's daily GPU time is used up (or, anonymous, the Space's share of it).
        case quota
        /// No GPU came free in time, or too many of the caller's tasks hold GPU time.
        case busy
        /// The task asked for more GPU time than one task may have.
        case duration
        /// The GPU task failed or was aborted.
        case failed
    }

    public static let hint = "set HF_TOKEN to a Hugging Face token for a larger ZeroGPU quota"

    /// The kind of a ZeroGPU error, by its title first, then by its words; nil for another error.
    public static func kind(of error: GradioError) -> Kind? {
        guard error.code == .upstream else { return nil }
        switch error.title?.lowercased() {
        case "zerogpu quota exceeded"?: return .quota
        case "zerogpu queue timeout"?, "zerogpu pending credits exceeded"?: return .busy
        case "zerogpu illegal duration"?: return .duration
        case "zerogpu worker error"?, "zerogpu client error"?: return .failed
        default: break
        }
        let text = (error.detail ?? error.message).lowercased()
        if text.contains("gpu") && (text.contains("quota") || text.contains("reached its gpu limit") || text.contains("runs limit")) { return .quota }
        if text.contains("no gpu was available") || text.contains("too many zerogpu credits") { return .busy }
        if text.contains("requested gpu duration") && text.contains("larger than the maximum") { return .duration }
        if text.contains("gpu task aborted") { return .failed }
        return nil
    }

    /// The error in plain words (no HTML, the wait in words), with what an anonymous caller can
    /// do; any other error as it is.
    public static func reworded(_ error: GradioError, tokenSent: Bool) -> GradioError {
        guard let kind = kind(of: error) else { return error }
        let words = plainWords(error.detail ?? String(error.message.trimmingPrefix("the Space reported an error: ")))
        let lead = switch kind {
        case .quota: "the Space's ZeroGPU quota is used up"
        case .busy: "no ZeroGPU GPU was free for the Space"
        case .duration: "the Space asked ZeroGPU for a longer GPU task than it allows"
        case .failed: "the Space's ZeroGPU task failed"
        }
        var line = lead + (words.isEmpty ? "" : ": " + words)
        if kind == .quota && !tokenSent { line += "; " + hint }
        return GradioError(error.code, line, title: error.title, detail: error.detail)
    }

    /// HTML reduced to its text (a link as "text (target)"), entities decoded, white space
    /// collapsed, and "try again in H:MM:SS" said in words.
    static func plainWords(_ html: String) -> String {
        var text = ""
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else { rest = rest[open...]; break }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if tag.lowercased().hasPrefix("a "), let target = attribute("href", in: tag) {
                // The link's text, then where it goes (unless the text is the address).
                let end = find("</a>", in: rest)
                let label = end.map { String(rest[..<$0.lowerBound]) } ?? ""
                let shown = plainWords(label)
                text += shown.isEmpty || shown == target ? target : "\(shown) (\(target))"
                if let end { rest = rest[end.upperBound...] }
            } else if tag.lowercased().hasPrefix("br") || tag.lowercased().hasPrefix("p") || tag.lowercased().hasPrefix("/p") {
                text += " "
            }
        }
        text += rest
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")] {
            text = text.replacing(entity, with: character)
        }
        text = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return sayWait(text).trimmingSuffix { $0 == " " || $0 == "." }
    }

    /// "Try again in 1 day, 2:03:04.5" -> "try again in 1 day 2 h 3 min".
    static func sayWait(_ text: String) -> String {
        guard let range = find("try again in ", in: text[...]) else { return text }
        let after = text[range.upperBound...]
        var scan = after[...]
        var days = 0
        if let dayEnd = find(" day", in: scan), let n = Int(scan[..<dayEnd.lowerBound]) {
            days = n
            scan = scan[dayEnd.upperBound...].drop(while: { $0 == "s" || $0 == "," || $0 == " " })
        }
        // H:MM:SS, and a fraction only when a digit follows the point (a sentence may end there).
        var clock = scan.prefix(while: { $0.isNumber || $0 == ":" })
        let afterClock = scan.dropFirst(clock.count)
        if afterClock.first == ".", afterClock.dropFirst().first?.isNumber == true {
            clock = scan.prefix(clock.count + 1 + afterClock.dropFirst().prefix(while: \.isNumber).count)
        }
        let parts = clock.split(separator: ":").map { Double($0) ?? -1 }
        // A Space's numbers: anything not a plausible wait stays as written.
        guard parts.count == 3, parts.allSatisfy({ $0 >= 0 && $0 < 1_000_000 }), days < 1_000_000 else { return text }
        let seconds = Int(parts[2].rounded(.up))
        var words: [String] = []
        if days > 0 { words.append("\(days) day\(days == 1 ? "" : "s")") }
        if parts[0] > 0 { words.append("\(Int(parts[0])) h") }
        if parts[1] > 0 { words.append("\(Int(parts[1])) min") }
        if (seconds > 0 && days == 0) || words.isEmpty { words.append("\(seconds) s") }
        let before = String(text[..<range.lowerBound])
        let tail = String(scan.dropFirst(clock.count))
        return before + String(text[range]) + words.joined(separator: " ") + tail
    }

    private static func attribute(_ name: String, in tag: Substring) -> String? {
        guard let start = find(name + "=", in: tag) else { return nil }
        var value = tag[start.upperBound...]
        if let quote = value.first, quote == "\"" || quote == "'" {
            value = value.dropFirst()
            return value.firstIndex(of: quote).map { String(value[..<$0]) }
        }
        return String(value.prefix { $0 != " " && $0 != ">" })
    }
}

extension ZeroGPUError {
    /// Where ASCII `needle` first occurs in `text`, ignoring ASCII case.
    static func find(_ needle: String, in text: Substring) -> Range<String.Index>? {
        let wanted = Array(needle.lowercased().utf8)
        let bytes = text.utf8
        var start = bytes.startIndex
        while start != bytes.endIndex {
            var at = start, matched = 0
            while matched < wanted.count, at != bytes.endIndex, Self.lower(bytes[at]) == wanted[matched] {
                at = bytes.index(after: at)
                matched += 1
            }
            if matched == wanted.count { return start..<at }
            start = bytes.index(after: start)
        }
        return nil
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}

private extension String {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var s = self[...]
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return String(s)
    }
}
