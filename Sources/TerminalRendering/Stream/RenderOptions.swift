/// How a reply is drawn.
public struct RenderOptions: Sendable, Equatable {
    /// Emit SGR colours (off: not a single SGR byte is written).
    public var color: Bool
    /// Highlight Markdown in committed lines (only has a visible effect with `color`).
    public var markdown: Bool
    /// Terminal width in columns; wrapping is predicted from display widths, never queried.
    public var width: Int
    /// Terminal height in rows, nil when unknown. Known, it bounds the live region (the part
    /// that can still be redrawn) to half the screen: a line taller than that is printed for
    /// good from its start, so the scrollback never holds a second copy of it.
    public var height: Int?
    /// Whether the terminal rewraps its rows on resize (kitty, WezTerm, VTE, iTerm2, Windows
    /// Terminal do; xterm does not). Decides where the live region starts after `resize`.
    public var terminalReflowsOnResize: Bool
    /// Text of the line printed before a corrected copy of already committed lines.
    public var revisedMarker: String

    public init(color: Bool = true, markdown: Bool = true, width: Int = 80, height: Int? = nil,
                terminalReflowsOnResize: Bool = true, revisedMarker: String = "(revised)") {
        self.color = color
        self.markdown = markdown
        self.width = max(1, width)
        self.height = height.map { max(1, $0) }
        self.terminalReflowsOnResize = terminalReflowsOnResize
        self.revisedMarker = revisedMarker
    }

    /// Rows the live region may take: half the screen, so that it is still on the screen after
    /// the terminal is made up to half as wide (a reflow doubles its rows).
    var liveRowLimit: Int? { height.map { max(1, ($0 - 1) / 2) } }
}
