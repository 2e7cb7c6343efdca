/// Splits a reply that opens with Qwen3/QwQ's inline reasoning, `<think>…</think>` then the
/// answer, into its two parts as the text streams: sans-I/O, fed deltas, O(delta).
///
/// A tag may be cut anywhere between two deltas: a possible start of `<think>` or `</think>`
/// is held back until it is known. Only a reply that starts with `<think>` (white space before it
/// goes to the answer) has reasoning; anywhere else the tag is answer text. White space between
/// the reasoning and the answer belongs to neither.
public struct ThinkTagSplitter: Sendable, Equatable {
    enum State: Sendable, Equatable {
        /// Nothing but white space so far; `held` may be the start of `<think>`.
        case start
        case thinking
        /// After `</think>`: white space before the answer is skipped.
        case between
        case answer
    }

    private static let open = Array("<think>".utf8)
    private static let close = Array("</think>".utf8)

    private(set) var state = State.start
    /// Bytes not yet given to either part (a possible tag, white space at the start).
    private var held: [UInt8] = []
    /// Whether any reasoning text was given out (its leading line break is dropped).
    private var thoughtStarted = false

    public init() {}

    /// Whether text fed now goes to the answer as it is (nothing held, the reasoning over).
    public var passesThrough: Bool { state == .answer && held.isEmpty }

    /// Whether the reply began with `<think>`.
    public private(set) var sawOpen = false

    /// The parts of `delta`: reasoning, then answer (either may be empty).
    public mutating func feed(_ delta: String) -> (thinking: String, answer: String) {
        // Most of a long reply is answer: passed on as it is.
        if state == .answer, held.isEmpty { return ("", delta) }
        var thinking: [UInt8] = []
        var answer: [UInt8] = []
        for byte in delta.utf8 {
            step(byte, thinking: &thinking, answer: &answer)
        }
        return (String(decoding: thinking, as: UTF8.self), String(decoding: answer, as: UTF8.self))
    }

    /// The end of the reply: what was held back goes where it belongs.
    public mutating func finish() -> (thinking: String, answer: String) {
        defer { held = [] }
        switch state {
        case .start: return ("", String(decoding: held, as: UTF8.self))
        case .thinking: return (String(decoding: held, as: UTF8.self), "")
        case .between, .answer: return ("", state == .answer ? String(decoding: held, as: UTF8.self) : "")
        }
    }

    /// Splits a whole text at once.
    public static func split(_ text: String) -> (thinking: String, answer: String) {
        var splitter = ThinkTagSplitter()
        let body = splitter.feed(text)
        let rest = splitter.finish()
        return (body.thinking + rest.thinking, body.answer + rest.answer)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private mutating func step(_ byte: UInt8, thinking: inout [UInt8], answer: inout [UInt8]) {
        switch state {
        case .start:
            // White space before the tag is passed on at once (a reply that starts with blank
            // lines and no tag must reach the answer as it streams); only a possible `<think>`
            // is held back.
            if held.isEmpty && Self.isSpace(byte) {
                answer.append(byte)
                return
            }
            let candidate = held + [byte]
            if candidate.count <= Self.open.count, Self.open.starts(with: candidate) {
                held.append(byte)
                if candidate.count == Self.open.count {
                    held = []
                    state = .thinking
                    sawOpen = true
                }
                return
            }
            // Not reasoning: everything held is answer text.
            answer += held
            answer.append(byte)
            held = []
            state = .answer
        case .thinking:
            held.append(byte)
            if held == Self.close {
                held = []
                state = .between
                return
            }
            if Self.close.starts(with: held) { return }
            // Not the closing tag: give out the held bytes but any that may start it again.
            var keep = held.count
            while keep > 0, !Self.close.starts(with: held.suffix(keep)) { keep -= 1 }
            var out = Array(held.prefix(held.count - keep))
            held = Array(held.suffix(keep))
            if !thoughtStarted {
                while let first = out.first, first == 0x0A || first == 0x0D { out.removeFirst() }
                if !out.isEmpty { thoughtStarted = true }
            }
            thinking += out
        case .between:
            if Self.isSpace(byte) { return }
            state = .answer
            answer.append(byte)
        case .answer:
            answer.append(byte)
        }
    }
}
