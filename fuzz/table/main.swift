// libFuzzer target: Markdown tables through the streaming renderer, and their layout.
// Input: byte 0 picks the width (8-167 columns), byte 1 the chunk size (1-64); the rest is a
// reply, fed in chunks with a frame after each, as a live reply is drawn.
// Invariants: no crash; every box line the layout draws for the input's rows fits the width
// once the table can (at least 4 columns per cell); the renderer's bytes are valid UTF-8 with
// no control character but ESC (its own CSI), \r, \n and tab.
@testable import TerminalRendering

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTable(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let width = 8 + Int(input[0]) % 160
    let chunkSize = 1 + Int(input[1]) % 64
    let text = String(decoding: input[2...], as: UTF8.self)

    // The layout alone, for rows read as the renderer reads them.
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let rows = lines.filter(MarkdownRenderer.isTableRow).map { TableLayout.cells($0).map { InlineMarkdown.render($0[...]) } }
    if let columns = rows.map(\.count).max(), columns > 0, columns <= 64 {
        let layout = TableLayout(aligns: Array(repeating: .left, count: columns), rows: rows, width: width)
        var drawn = [layout.top(), layout.separator(), layout.bottom()]
        for row in rows.prefix(50) { drawn += layout.row(row) }
        if width >= 4 * columns + 1 {
            for line in drawn where TableLayout.width(line.plain) > width {
                fatalError("a table line is \(TableLayout.width(line.plain)) columns wide, more than \(width): \(line.plain)")
            }
        }
    }

    // The live renderer, fed in chunks.
    var renderer = StreamRenderer(options: RenderOptions(color: true, markdown: true, width: width))
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let end = text.index(index, offsetBy: chunkSize, limitedBy: text.endIndex) ?? text.endIndex
        renderer.append(String(text[index..<end]))
        out += renderer.frame()
        index = end
    }
    out += renderer.finish()
    for byte in out where byte < 0x20 && byte != 0x1B && byte != 0x0A && byte != 0x0D && byte != 0x09 {
        fatalError("the renderer wrote control byte \(byte)")
    }
    if String(validating: out, as: UTF8.self) == nil {
        fatalError("the renderer wrote invalid UTF-8")
    }
    return 0
}
