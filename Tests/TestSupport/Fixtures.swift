import Foundation

/// The recorded captures and configs in `Tests/Fixtures`, one copy for every test target,
/// read from the source tree: real exchanges with Gradio 4.44.1 (`gradio-4.44.1/`, from the
/// shared reference captures), Gradio 6.31 (`gradio-6.31.0/`) and our harness servers
/// (`harness/`).
public enum Fixtures {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A fixture's bytes, by its path under `Tests/Fixtures` (`"harness/replica-4.44.1-normal.txt"`).
    public static func bytes(_ relativePath: String) -> [UInt8] {
        let url = directory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else { fatalError("missing fixture \(url.path)") }
        return Array(data)
    }

    public static func text(_ relativePath: String) -> String {
        String(decoding: bytes(relativePath), as: UTF8.self)
    }

    /// A capture's SSE body: its lines from the first `data: ` line up to the next `###`
    /// heading or the end.
    public static func sseBody(ofCapture text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.firstIndex(where: { $0.hasPrefix("data: ") }) else { return "" }
        var out = ""
        for line in lines[first...] {
            if line.hasPrefix("###") { break }
            out += line + "\n"
        }
        return out
    }
}
