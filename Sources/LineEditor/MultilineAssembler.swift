/// Assembles one logical input from successive physical lines. Pure value type, no terminal.
///
/// Rules:
/// - A line that is exactly `"""` (surrounding spaces/tabs ignored) as the *first* physical line
///   opens a block; every following line is taken verbatim (backslashes included) until the next
///   `"""` line, which completes the input. The fences themselves are not part of the result.
/// - Outside a block, a line ending in `\` continues: the backslash is removed, a newline is kept,
///   and the next physical line is appended.
/// - A "physical line" that already contains newlines (a bracketed paste or a recalled multi-line
///   history entry) is taken verbatim: outside a block it completes the input as is (so a pasted
///   script with trailing backslashes or `"""` lines is not reinterpreted); inside a block it is
///   appended as content.
public struct MultilineAssembler: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case complete(String)
        case needMore
    }

    private enum State: Sendable, Equatable {
        case idle
        case block
        case continuation
    }

    private var state: State = .idle
    private var lines: [String] = []

    public init() {}

    /// True while more physical lines are expected (show the continuation prompt).
    public var needsMore: Bool { state != .idle }

    /// True inside a `"""` block.
    public var isInBlock: Bool { state == .block }

    public mutating func feed(_ line: String) -> Result {
        let verbatim = line.contains("\n")
        switch state {
        case .idle:
            if verbatim { return finish(with: line) }
            if Self.isFence(line) {
                state = .block
                lines = []
                return .needMore
            }
            if let stripped = Self.strippingContinuation(line) {
                state = .continuation
                lines = [stripped]
                return .needMore
            }
            return finish(with: line)
        case .block:
            if !verbatim && Self.isFence(line) {
                return finish(with: nil)
            }
            lines.append(line)
            return .needMore
        case .continuation:
            if !verbatim, let stripped = Self.strippingContinuation(line) {
                lines.append(stripped)
                return .needMore
            }
            return finish(with: line)
        }
    }

    /// End of input while lines are pending (Ctrl-D in a block, EOF on a pipe): returns what was
    /// collected so far (nil when nothing is pending) and resets.
    public mutating func finishPending() -> String? {
        guard state != .idle else { return nil }
        let text = lines.joined(separator: "\n")
        reset()
        return text
    }

    /// Discards any pending lines (Ctrl-C).
    public mutating func reset() {
        state = .idle
        lines = []
    }

    private mutating func finish(with last: String?) -> Result {
        if let last { lines.append(last) }
        let text = lines.joined(separator: "\n")
        reset()
        return .complete(text)
    }

    static func isFence(_ line: String) -> Bool {
        line.trimmingSpacesAndTabs() == "\"\"\""
    }

    /// The line without its trailing continuation backslash, or nil if it has none.
    static func strippingContinuation(_ line: String) -> String? {
        guard line.hasSuffix("\\") else { return nil }
        return String(line.dropLast())
    }
}

extension String {
    func trimmingSpacesAndTabs() -> Substring {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
