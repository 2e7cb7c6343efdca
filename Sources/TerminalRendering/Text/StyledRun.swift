/// A piece of rendered text and the SGR parameters it is drawn with (nil: default attributes).
struct StyledRun: Sendable, Equatable {
    var text: String
    var sgr: String?

    init(_ text: String, _ sgr: String? = nil) {
        self.text = text
        self.sgr = sgr
    }
}

/// Text attributes the Markdown renderer combines (nested emphasis, links inside headings...).
struct TextStyle: OptionSet, Sendable, Hashable {
    let rawValue: UInt16
    static let bold = TextStyle(rawValue: 1)
    static let italic = TextStyle(rawValue: 2)
    static let code = TextStyle(rawValue: 4)
    static let strike = TextStyle(rawValue: 8)
    static let link = TextStyle(rawValue: 16)
    static let dim = TextStyle(rawValue: 32)
    static let heading = TextStyle(rawValue: 64)
    static let marker = TextStyle(rawValue: 128)

    /// SGR parameters, nil for plain text.
    var sgr: String? {
        var p: [String] = []
        if contains(.bold) || contains(.heading) { p.append("1") }
        if contains(.dim) { p.append("2") }
        if contains(.italic) { p.append("3") }
        if contains(.link) { p.append("4") }
        if contains(.strike) { p.append("9") }
        if contains(.code) { p.append("36") }
        else if contains(.heading) { p.append("35") }
        else if contains(.marker) { p.append("33") }
        return p.isEmpty ? nil : p.joined(separator: ";")
    }
}

extension Array where Element == StyledRun {
    /// The text as shown, without attributes.
    var plain: String { map(\.text).joined() }

    /// Bytes for the runs; `color: false` writes the text only.
    func bytes(color: Bool) -> [UInt8] {
        var b: [UInt8] = []
        for r in self { r.append(to: &b, color: color) }
        return b
    }

    /// Appends `run`, merging it into the last run when the attributes are the same.
    mutating func add(_ text: String, _ sgr: String?) {
        guard !text.isEmpty else { return }
        if let last = self.last, last.sgr == sgr { self[count - 1].text += text } else { append(StyledRun(text, sgr)) }
    }

    /// If `self` extends `old` (same runs, the last old one grown), the bytes that draw the rest.
    func extensionBytes(of old: [StyledRun], color: Bool) -> [UInt8]? {
        guard old.count <= count else { return nil }
        guard let lastOld = old.last else { return bytes(color: color) }
        let n = old.count - 1
        for i in 0..<n where self[i] != old[i] { return nil }
        guard self[n].sgr == lastOld.sgr, self[n].text.hasPrefix(lastOld.text) else { return nil }
        var b: [UInt8] = []
        let rest = String(self[n].text.unicodeScalars.dropFirst(lastOld.text.unicodeScalars.count))
        StyledRun(rest, lastOld.sgr).append(to: &b, color: color)
        for r in self[(n + 1)...] { r.append(to: &b, color: color) }
        return b
    }
}

extension StyledRun {
    func append(to b: inout [UInt8], color: Bool) {
        guard !text.isEmpty else { return }
        if color, let sgr {
            b.append(contentsOf: "\u{1B}[\(sgr)m".utf8)
            b.append(contentsOf: text.utf8)
            b.append(contentsOf: "\u{1B}[0m".utf8)
        } else {
            b.append(contentsOf: text.utf8)
        }
    }
}
