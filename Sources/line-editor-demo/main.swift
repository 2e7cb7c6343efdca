// Scratch demo for manual/tmux testing of LineEditor. Not part of the product.
import LineEditor
#if canImport(Glibc)
import Glibc
#endif

let store = HistoryStore.fromEnvironment()
let editor = LineEditor(programName: "qwen-chat", history: store)
if let warning = editor.takeHistoryWarning() { print("warning: \(warning)") }
editor.prompt = "\u{1B}[1;36mqwen\u{1B}[0m ❯ "
editor.continuationPrompt = "… "
editor.completer = { line, cursor in
    let before = String(line.prefix(cursor))
    let commands = ["/system", "/model", "/help", "/quit"]
    if before.hasPrefix("/model ") {
        let word = String(before.dropFirst("/model ".count))
        return ["72B", "32B", "14B", "7B", "3B", "1.5B", "0.5B"].filter { $0.hasPrefix(word) }
    }
    guard !before.contains(" ") else { return [] }
    return commands.filter { $0.hasPrefix(before) }
}

loop: while true {
    switch editor.readLine() {
    case .line(let text):
        if let warning = editor.addHistory(text) { print("warning: \(warning)") }
        if text == "/quit" { break loop }
        let escaped = text.unicodeScalars.map { $0 == "\n" ? "\\n" : String($0) }.joined()
        print("GOT[\(text.count)]: \(escaped)")
    case .interrupted:
        print("INTERRUPTED")
    case .endOfFile:
        print("EOF")
        break loop
    }
}
editor.restoreTerminal()
