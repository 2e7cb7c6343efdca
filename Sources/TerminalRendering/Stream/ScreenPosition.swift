/// Where the cursor is after drawing text, predicted from display widths.
struct ScreenPosition: Sendable, Equatable {
    var row = 0
    var col = 0

    /// Advances by one cluster of width `w` with autowrap at `cols` (a cluster that does not
    /// fit moves to the next row; a full row keeps the cursor on it: pending wrap).
    mutating func advance(_ w: Int, cols: Int) {
        guard w > 0 else { return }
        if col + w > cols && col > 0 { row += 1; col = 0 }
        col += w
    }

    /// Advances over `text`, in which "\r\n" starts a new row.
    mutating func advance(over text: some StringProtocol, cols: Int) {
        for ch in text {
            if ch == "\r\n" { row += 1; col = 0 } else { advance(DisplayWidth.of(ch), cols: cols) }
        }
    }

    /// The column a region starting at this position draws from: a full row (pending wrap)
    /// means the next row's first column.
    func origin(cols: Int) -> Int { col >= cols ? 0 : col }
}
