/// Until the terminal module's sanitizer is wired in: replaces control characters other than
/// newline and tab with visible control pictures, so a reply cannot drive the terminal.
enum PlainTextFilter {
    static func filter(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                let picture: Unicode.Scalar = scalar.value == 0x7F ? "\u{2421}" : (scalar.value < 0x20 ? Unicode.Scalar(0x2400 + scalar.value)! : "\u{FFFD}")
                out.append(picture)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v)
    }
}
