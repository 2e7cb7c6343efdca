/// How the rest of a line renders after its start was printed for good (a line taller than
/// the live region may be): the rest is drawn on its own, in the style the line was in.
enum LineContinuation: Sendable {
    /// As typed (Markdown off, or a line too long to render).
    case raw
    /// Inline Markdown in the line's base style (a heading's, or none).
    case inline(TextStyle)
    /// A code line in a fence: highlighted on from the lexer's state after the printed part.
    case code(CodeLanguage?, CodeLexer.State)

    func render(_ text: String, live: Bool) -> [StyledRun] {
        switch self {
        case .raw:
            return text.isEmpty ? [] : [StyledRun(text)]
        case .inline(let base):
            return InlineMarkdown.render(text[...], base: base, live: live)
        case .code(let language, var state):
            return CodeLexer.highlight(text, language: language, state: &state)
        }
    }

    /// Renders `text` as printed for good: a code line's lexer goes on from its end.
    mutating func settle(_ text: String) -> [StyledRun] {
        guard case .code(let language, var state) = self else { return render(text, live: false) }
        let runs = CodeLexer.highlight(text, language: language, state: &state)
        self = .code(language, state)
        return runs
    }

    var isRaw: Bool {
        if case .raw = self { return true }
        return false
    }
}
