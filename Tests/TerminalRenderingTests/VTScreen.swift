import Foundation
@testable import TerminalRendering

/// The screen a real VT emulator (pyte, via scripts/vt-screen.py) shows for some bytes.
struct VTScreen {
    var lines: [String]
    /// Rows scrolled off the top, oldest first.
    var scrollback: [String] = []
    var cursor: (x: Int, y: Int)
    var title: String
    var cleared: Bool
    /// Per row: (text, attributes) runs, attributes as "fg/bg/bold italic underline strike".
    var runs: [[(text: String, attrs: String)]] = []

    /// Non-empty content: rows up to the last non-empty one.
    var content: [String] {
        var l = lines
        while let last = l.last, last.isEmpty { l.removeLast() }
        return l
    }

    /// Everything the terminal holds: the scrollback, then the screen's content.
    var everything: [String] { scrollback + content }

    /// The repo root, from this file's path (symlinks resolved, so a scratch package that links
    /// the test folder still finds the worktree's scripts/ and .venv-tools/).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: String {
        if let p = ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_PYTHON"], !p.isEmpty { return p }
        return repoRoot.appendingPathComponent(".venv-tools/bin/python").path
    }

    /// Screen tests run unless QWEN_CHAT_SKIP_VT=1; a missing python is a failure, not a skip.
    static var enabled: Bool { ProcessInfo.processInfo.environment["QWEN_CHAT_SKIP_VT"] != "1" }

    static func run(_ bytes: [UInt8], cols: Int, rows: Int = 40,
                    resizes: [(offset: Int, cols: Int)] = [], reflow: Bool = false) throws -> VTScreen {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw VTError.noPython("no python at \(python): run `python3 -m venv .venv-tools && .venv-tools/bin/pip install pyte` in the repo, set QWEN_CHAT_TEST_PYTHON, or QWEN_CHAT_SKIP_VT=1")
        }
        let tmp = FileManager.default.temporaryDirectory
            .appendingPathComponent("vt-\(UUID().uuidString).bin")
        try Data(bytes).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        var args = [repoRoot.appendingPathComponent("scripts/vt-screen.py").path, tmp.path,
                    "--cols", String(cols), "--rows", String(rows)]
        for r in resizes { args += ["--resize", "\(r.offset):\(r.cols)"] }
        if reflow { args.append("--reflow") }
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let lines = obj["lines"] as? [String], let cur = obj["cursor"] as? [Int]
        else { throw VTError.badOutput(String(decoding: data, as: UTF8.self)) }
        let runs = (obj["runs"] as? [[[String]]] ?? []).map { $0.map { (text: $0[0], attrs: $0[1]) } }
        return VTScreen(lines: lines, scrollback: obj["scrollback"] as? [String] ?? [], cursor: (cur[0], cur[1]),
                        title: obj["title"] as? String ?? "", cleared: obj["cleared"] as? Bool ?? false, runs: runs)
    }

    enum VTError: Error { case badOutput(String), noPython(String) }
}

/// Drives a renderer through a script of updates, collecting every frame's bytes.
struct Session {
    var renderer: StreamRenderer
    var bytes: [UInt8] = []
    var frames = 0

    init(width: Int, height: Int? = nil, color: Bool = false, markdown: Bool = false, reflow: Bool = true) {
        renderer = StreamRenderer(options: RenderOptions(color: color, markdown: markdown, width: width, height: height,
                                                         terminalReflowsOnResize: reflow))
    }

    mutating func frame() {
        let f = renderer.frame()
        if !f.isEmpty { frames += 1 }
        bytes += f
    }

    /// Appends each delta, drawing a frame after every `every` deltas.
    mutating func append(_ deltas: [String], every: Int = 1) {
        for (i, d) in deltas.enumerated() {
            renderer.append(d)
            if (i + 1) % every == 0 { frame() }
        }
    }

    mutating func finish() { bytes += renderer.finish() }
}

/// Splits text into deltas of `n` characters.
func deltas(_ s: String, size n: Int) -> [String] {
    var out: [String] = []
    var cur = ""
    for c in s {
        cur.append(c)
        if cur.count == n { out.append(cur); cur = "" }
    }
    if !cur.isEmpty { out.append(cur) }
    return out
}

/// How plain ASCII text wraps at `cols` (hard lines split into rows of `cols`, rstripped like the screen dump).
func wrapASCII(_ s: String, cols: Int) -> [String] {
    var rows: [String] = []
    for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
        var l = Substring(line)
        if l.isEmpty { rows.append(""); continue }
        while !l.isEmpty {
            rows.append(String(String(l.prefix(cols)).reversed().drop(while: { $0 == " " }).reversed()))
            l = l.dropFirst(cols)
        }
    }
    return rows
}
