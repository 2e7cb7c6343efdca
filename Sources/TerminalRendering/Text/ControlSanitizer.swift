/// Neutralises control characters and escape sequences in untrusted text, as a streaming state machine.
///
/// Model output is untrusted: a reply could clear the screen, retitle the window, write the
/// clipboard (OSC 52) or plant hyperlinks. Every control is replaced by a visible stand-in
/// (ESC → `␛`, BEL → `␇`, DEL → `␡`, C1 → `<U+009B>`), and the rest of a neutralised sequence
/// is left as plain text (`␛[2J`), so the user can see that something was there. Bidi
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make text read
/// in another order than it is (a "Trojan Source" reply), are shown as `<U+202E>`. The output
/// contains no scalar below U+0020 except `\n` and `\t`, no U+007F, no U+0080–U+009F and none of
/// those bidi controls.
///
/// The state machine only tracks which sequence is in progress (to count them and to know
/// where one ends); it never buffers a sequence, so an unterminated OSC/DCS costs nothing and
/// is shown as it arrives. The only thing held back between chunks is a trailing `\r`, to
/// tell CRLF (→ `\n`) from a bare CR (→ `␍`).
public struct ControlSanitizer: Sendable {
    enum State: Sendable {
        case ground
        case escape        // after ESC
        case csi           // after ESC [ or U+009B: parameters until a final byte
        case string        // OSC / DCS / SOS / PM / APC payload until BEL or ST
        case stringEscape  // ESC inside a string: `\` makes it ST
    }

    var state: State = .ground
    var pendingCR = false
    /// Scalars seen in the current string sequence; past `maxStringLength` we stop treating
    /// the text as part of a sequence (it is shown either way; this only bounds the state).
    var stringLength = 0
    /// How long an unterminated OSC/DCS/APC payload is tracked as a sequence.
    public static let maxStringLength = 4096

    /// Number of escape sequences and control characters neutralised so far, so the caller
    /// could warn that a reply tried to send terminal controls.
    public private(set) var neutralizedCount = 0

    public init() {}

    /// Returns the safe visible form of `chunk`; keeps `\n` and `\t`.
    ///
    /// Works on UTF-8: outside a sequence, a run of bytes that needs no change (printable
    /// text, `\n`, `\t`, any scalar but a C1 control) is copied whole; only the bytes around a
    /// control go through the state machine one scalar at a time.
    public mutating func sanitize(_ chunk: String) -> String {
        var chunk = chunk
        var out: [UInt8] = []
        out.reserveCapacity(chunk.utf8.count)
        chunk.withUTF8 { bytes in
            var index = 0
            let count = bytes.count
            while index < count {
                if state == .ground, !pendingCR {
                    let start = index
                    while index < count, Self.passesUnchanged(bytes, at: index) { index += 1 }
                    if index > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                    if index == count { break }
                }
                let (scalar, length) = Self.scalar(in: bytes, at: index)
                feed(scalar, into: &out)
                index += length
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether the byte at `index` goes out as it is when no sequence is in progress: not a
    /// C0 control other than `\n` and `\t`, not DEL, and not the lead byte of a C1 control
    /// (U+0080–U+009F is `C2 80`–`C2 9F`). The other bytes of a multi-byte scalar pass.
    @inline(__always)
    private static func passesUnchanged(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let byte = bytes[index]
        if byte >= 0x20 && byte < 0x7F { return true }
        if byte == 0x0A || byte == 0x09 { return true }
        if byte < 0x80 { return false }
        if byte == 0xC2 { return index + 1 < bytes.count && bytes[index + 1] >= 0xA0 }
        // U+202A–U+202E is E2 80 AA–AE, U+2066–U+2069 is E2 81 A6–A9.
        if byte == 0xE2, index + 2 < bytes.count {
            let second = bytes[index + 1], third = bytes[index + 2]
            if second == 0x80, (0xAA...0xAE).contains(third) { return false }
            if second == 0x81, (0xA6...0xA9).contains(third) { return false }
        }
        return true
    }

    /// The scalar starting at `index` of valid UTF-8, and its length in bytes.
    private static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        var value = length == 1 ? lead : lead & (0x7F >> UInt32(length))
        for offset in 1..<max(length, 1) where index + offset < bytes.count {
            value = value << 6 | UInt32(bytes[index + offset] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// Flushes what is held at the end of the stream (a trailing bare `\r`) and resets the state.
    public mutating func finish() -> String {
        var out: [UInt8] = []
        if pendingCR {
            pendingCR = false
            neutralizedCount += 1
            Self.append("\u{240D}", to: &out)
        }
        state = .ground
        stringLength = 0
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    mutating func feed(_ s: Unicode.Scalar, into out: inout [UInt8]) {
        let v = s.value
        if pendingCR {
            pendingCR = false
            if v == 0x0A {
                Self.append("\n", to: &out)
                state = .ground
                return
            }
            neutralizedCount += 1
            Self.append("\u{240D}", to: &out)  // ␍
        }
        switch v {
        case 0x0A:
            // A newline ends any sequence: a runaway OSC must not swallow the line structure.
            Self.append("\n", to: &out)
            state = .ground
            return
        case 0x0D:
            pendingCR = true
            return
        case 0x09:
            Self.append(s, to: &out)
            return
        case 0x1B:
            neutralizedCount += 1
            Self.append("\u{241B}", to: &out)  // ␛
            state = (state == .string) ? .stringEscape : .escape
            return
        case 0x07 where state == .string:
            Self.append("\u{2407}", to: &out)  // ␇ terminates the OSC
            state = .ground
            return
        case 0x00..<0x20:
            neutralizedCount += 1
            Self.append(Unicode.Scalar(0x2400 + v)!, to: &out)
            return
        case 0x7F:
            neutralizedCount += 1
            Self.append("\u{2421}", to: &out)  // ␡
            return
        case 0x202A...0x202E, 0x2066...0x2069:
            neutralizedCount += 1
            appendMarker(v, into: &out)
            return
        case 0x80...0x9F:
            neutralizedCount += 1
            appendMarker(v, into: &out)
            switch v {
            case 0x9B: state = .csi
            case 0x90, 0x98, 0x9D, 0x9E, 0x9F: state = .string; stringLength = 0
            case 0x9C: state = .ground  // ST
            default: state = .ground
            }
            return
        default:
            break
        }
        // A printable scalar.
        Self.append(s, to: &out)
        switch state {
        case .ground:
            break
        case .escape, .stringEscape:
            // In a string, ESC \ is ST; any other ESC x ends the string and starts a new sequence.
            if state == .stringEscape && v == 0x5C { state = .ground; break }
            switch v {
            case 0x5B: state = .csi  // [
            case 0x5D, 0x50, 0x58, 0x5E, 0x5F: state = .string; stringLength = 0  // ] P X ^ _
            case 0x20...0x2F: break  // intermediate: ESC ( B etc.
            default: state = .ground  // single-character sequence (ESC c, ESC 7, ...)
            }
        case .csi:
            if !(0x20...0x3F).contains(v) { state = .ground }  // final byte (or garbage) ends it
        case .string:
            stringLength += 1
            if stringLength > Self.maxStringLength { state = .ground }
        }
    }

    /// `<U+009B>`, `<U+202E>`.
    private func appendMarker(_ v: UInt32, into out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        out.append(contentsOf: "<U+".utf8)
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(shift)) & 0xF)]) }
        out.append(UInt8(ascii: ">"))
    }
}
