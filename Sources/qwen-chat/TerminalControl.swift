import TerminalRendering
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The few terminal effects the shell needs: width, echo while a reply streams, the clipboard,
/// the editor, and restoring the terminal on every exit path.
enum TerminalControl {
    /// Columns of the terminal on `fd`, or 80 when it cannot be read.
    static func width(fd: Int32 = 1) -> Int {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// What the user typed at `readSecret`'s prompt.
    enum Secret {
        case typed(String)
        /// Ctrl-C.
        case interrupted
        /// No terminal, or Ctrl-D on an empty line.
        case none
    }

    /// Reads a line from the terminal (not standard input, which may be a pipe) with echo
    /// off, after writing `prompt` to it. Byte by byte with signals off, so that Ctrl-C is seen
    /// here (and not counted against the first request) and the terminal is restored whatever
    /// the user presses; Backspace edits, Ctrl-U clears.
    static func readSecret(prompt: TerminalText) -> Secret {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return .none }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return .none }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG)
        withUnsafeMutableBytes(of: &quiet.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        _ = prompt.text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &saved)
            _ = write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            switch byte {
            case 0x0A, 0x0D: return .typed(String(decoding: bytes, as: UTF8.self))
            case 0x03: return .interrupted
            case 0x04 where bytes.isEmpty: return .none
            case 0x7F, 0x08: if !bytes.isEmpty { bytes.removeLast(); while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() } }
            case 0x15: bytes.removeAll()
            default: if bytes.count < 4096 { bytes.append(byte) }
            }
        }
        return .none
    }

    /// Rows of the terminal on `fd`, nil when they cannot be read.
    static func height(fd: Int32 = 1) -> Int? {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        return nil
    }

    /// The terminal modes at start-up, restored on exit (also from the SIGTERM handler).
    nonisolated(unsafe) static var startupModes: termios?

    static func saveStartupModes() {
        var modes = termios()
        if isatty(0) == 1, tcgetattr(0, &modes) == 0 { startupModes = modes }
    }

    /// Keystrokes typed while a reply streams would echo into the rendered text; switch echo
    /// and line buffering off (signals stay on, so Ctrl-C still arrives) until `restoreInput`.
    static func suppressEcho() {
        guard isatty(0) == 1 else { return }
        var modes = termios()
        guard tcgetattr(0, &modes) == 0 else { return }
        modes.c_lflag &= ~tcflag_t(ECHO | ICANON)
        modes.c_lflag |= tcflag_t(ISIG)
        tcsetattr(0, TCSANOW, &modes)
    }

    /// Puts back the start-up modes. Keys typed during the reply stay queued and appear at the
    /// next prompt, as type-ahead does in a shell.
    static func restoreInput() {
        guard isatty(0) == 1, var modes = startupModes else { return }
        tcsetattr(0, TCSADRAIN, &modes)
    }

    /// Attributes reset, cursor visible, bracketed paste off, synchronized output off, modes back.
    /// Async-signal-safe: only write(2) and tcsetattr(3).
    static func restoreAll() {
        let reset: StaticString = "\u{1B}[0m\u{1B}[?25h\u{1B}[?2004l\u{1B}[?2026l"
        if isatty(1) == 1 { _ = write(1, reset.utf8Start, reset.utf8CodeUnitCount) }
        if var modes = startupModes { tcsetattr(0, TCSANOW, &modes) }
    }

    /// OSC 52: asks the terminal to put `text` on the clipboard. Only on the user's request.
    /// OSC 52 with the text in base64: ours, and nothing of the text can escape it.
    static func copyToClipboard(_ text: String) -> TerminalText {
        TerminalText(trusted: "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}")
    }

    /// Runs `$VISUAL`/`$EDITOR` (default `vi`) on a private temporary file and returns what was saved.
    static func editMessage(environment: [String: String]) -> String? {
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        guard let file = PrivateTemporaryFile(
            in: FileManager.default.temporaryDirectory.path, prefix: "qwen-chat-", name: "message-", suffix: ".md"
        ) else { return nil }
        defer { file.remove() }
        let path = file.path
        restoreInput()
        // The editor command may carry arguments (EDITOR="code --wait"); the path is passed as $1.
        let arguments = ["/bin/sh", "-c", editor + " \"$1\"", "qwen-chat-editor", path]
        var pid: pid_t = 0
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, cArguments, environ) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // Exited normally with status 0 (WIFEXITED and WEXITSTATUS, spelled out for Swift).
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }
}

/// A SIGWINCH flag for the frame loop.
enum WindowSizeFlag {
    nonisolated(unsafe) static var changed: sig_atomic_t = 0

    static func install() {
        signal(SIGWINCH) { _ in WindowSizeFlag.changed = 1 }
    }

    static func take() -> Bool {
        guard changed != 0 else { return false }
        changed = 0
        return true
    }
}
