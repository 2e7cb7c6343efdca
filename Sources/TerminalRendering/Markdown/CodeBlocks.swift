/// The fenced code blocks of a reply, for `/copy code`.
public enum CodeBlocks {
    /// Each block's raw lines without its fences, in order; an unclosed last block runs to the end.
    public static func of(_ reply: String) -> [String] {
        MarkdownRenderer.codeBlocks(reply)
    }
}
