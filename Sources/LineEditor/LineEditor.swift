import CLibEdit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum LineEditorResult: Sendable, Equatable {
    /// A complete input; may contain newlines (paste, `"""` block, `\` continuation).
    case line(String)
    /// Ctrl-C at the prompt: the line (and any pending multi-line input) was discarded.
    case interrupted
    /// Ctrl-D on an empty line, or end of input.
    case endOfFile
}

/// Swift over libedit's native (per-instance) API: prompt, history, completion, paste.
///
/// Keys: emacs by default; `~/.editrc` (or `$EDITRC`) is read, so `bind -v` gives vi mode.
/// Ctrl-C is a *key*, not a signal: ISIG is switched off in libedit's edit-mode termios, so
/// 0x03 reaches the `qc-interrupt` function (bound in both key maps). This does not depend on
/// which thread a SIGINT would be delivered to (in a multi-threaded Swift process it is usually
/// not the one blocked in read(), so libedit would never see EINTR), and it installs no SIGINT
/// handler: outside `readLine()` the terminal is in cooked mode with ISIG on and SIGINT behaves
/// as the application set it up. Ctrl-Z suspends (libedit restores/re-enters raw mode).
///
/// Not thread-safe: use one instance from one thread at a time.
public final class LineEditor {
    /// Prompt; may contain SGR/OSC escape sequences (they are hidden from libedit's width).
    public var prompt: String
    /// Plain prompt shown for the second and following lines of a multi-line input.
    public var continuationPrompt: String
    /// Tab completion: candidates for the word under the cursor. `cursor` counts Characters
    /// from the start of `line`. A single candidate replaces the word and adds a space; several
    /// complete their common prefix; a second Tab lists them.
    public var completer: (@Sendable (_ line: String, _ cursor: Int) -> [String])?
    /// The persistent store (nil: in-memory history only).
    public let history: HistoryStore?
    /// Whether bracketed paste is requested from the terminal on each `readLine()`.
    /// Always off in vi mode (see `installBindings`).
    public var bracketedPaste = true
    /// True when ~/.editrc selected vi key maps.
    public private(set) var isViMode = false

    private let el: OpaquePointer
    private let hist: OpaquePointer
    private let output: UnsafeMutablePointer<FILE>
    private let inputFD: Int32
    private let outputFD: Int32
    private let interactive: Bool
    private var savedTermios: termios?
    private var promptBuffer: UnsafeMutablePointer<CChar>?
    private var interruptRequested = false
    private var lastTab: (line: [wchar_t], cursor: Int)?
    private var pendingWarning: HistoryStoreWarning?
    private var lastEntered: String?

    /// Whether the locale is UTF-8 (set to C.UTF-8 when the environment's is not). Process-wide.
    public let utf8Locale: Bool

    /// - Parameters:
    ///   - input/output: C streams (nil: stdin/stdout). libedit reads the descriptor directly.
    ///   - history: loaded now; its entries feed libedit's in-memory history (up-arrow).
    public init(
        programName: String,
        input: UnsafeMutablePointer<FILE>? = nil,
        output: UnsafeMutablePointer<FILE>? = nil,
        history: HistoryStore?
    ) {
        // Must precede el_init: libedit decodes input bytes with mbrtowc (locale dependent) and
        // decides at init whether the charset is UTF-8. Without it non-ASCII input is dropped.
        utf8Locale = qc_setup_utf8_locale() != 0
        let inFile = input ?? qc_stdin()!
        let outFile = output ?? qc_stdout()!
        self.output = outFile
        self.inputFD = fileno(inFile)
        self.outputFD = fileno(outFile)
        self.interactive = isatty(fileno(inFile)) == 1 && isatty(fileno(outFile)) == 1
        self.prompt = "> "
        self.continuationPrompt = ". "
        self.history = history
        self.el = qc_el_init(programName, inFile, outFile, qc_stderr())!
        self.hist = qc_history_init()!

        if interactive {
            var t = termios()
            if tcgetattr(inputFD, &t) == 0 { savedTermios = t }
        }

        _ = qc_history_setsize(hist, Int32(history?.capacity ?? HistoryStore.defaultCapacity))
        _ = qc_history_setunique(hist, 1)
        _ = qc_el_set_history(el, hist)
        _ = qc_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        _ = qc_el_set_prompt_esc(el, lineEditorPromptCallback, 1)
        _ = qc_el_set_editor(el, "emacs")
        // SIGWINCH (resize), SIGCONT (redraw after Ctrl-Z), SIGTERM/SIGHUP (restore the tty).
        _ = qc_el_set_signal(el, 1)
        _ = qc_el_setty_edit_noisig(el)
        _ = qc_el_source_default(el)
        installBindings()

        if let history {
            pendingWarning = history.load()
            for entry in history.entries {
                _ = qc_history_enter(hist, entry)
                lastEntered = entry
            }
        }
    }

    deinit {
        restoreTerminal()
        el_end(el)
        history_end(hist)
        free(promptBuffer)
    }

    private func installBindings() {
        _ = qc_el_add_function(el, "qc-interrupt", "Discard the line (Ctrl-C)", lineEditorInterruptCallback)
        _ = qc_el_add_function(el, "qc-complete", "Complete the word under the cursor", lineEditorCompleteCallback)
        _ = qc_el_add_function(el, "qc-paste", "Bracketed paste", lineEditorPasteCallback)
        _ = qc_el_add_function(el, "qc-suspend", "Suspend (Ctrl-Z)", lineEditorSuspendCallback)
        isViMode = qc_el_editor_is_vi(el) != 0
        for bind in [qc_el_bind, qc_el_bind_alt] {
            _ = bind(el, "^C", "qc-interrupt")
            _ = bind(el, "^I", "qc-complete")
            _ = bind(el, "^Z", "qc-suspend")
            // In vi insert mode ESC alone means "command mode"; binding ESC[200~ there would make
            // ESC a sequence prefix and libedit (no ESC timeout) would swallow the next key. So vi
            // users get no bracketed paste (use a """ block to paste multi-line text).
            if !isViMode { _ = bind(el, "\u{1B}[200~", "qc-paste") }
        }
    }

    // MARK: - Public API

    /// Reads one logical input: handles `"""` blocks, trailing-`\` continuation and pastes.
    public func readLine() -> LineEditorResult {
        var assembler = MultilineAssembler()
        while true {
            switch readPhysicalLine(prompt: assembler.needsMore ? continuationPrompt : prompt) {
            case .interrupted:
                return .interrupted
            case .endOfFile:
                if let pending = assembler.finishPending() {
                    if interactive { writeOut("\n") }
                    return .line(pending)
                }
                if interactive { writeOut("\n") }
                return .endOfFile
            case .line(let physical):
                if case .complete(let text) = assembler.feed(physical) { return .line(text) }
            }
        }
    }

    /// Records an entry in libedit's history (up-arrow) and in the store. Entries starting with
    /// a space and repeats of the previous entry are skipped. Returns the store's warning the
    /// first time the file cannot be written (print it once).
    @discardableResult
    public func addHistory(_ entry: String) -> HistoryStoreWarning? {
        guard HistoryStore.shouldRecord(entry, after: lastEntered) else { return nil }
        _ = qc_history_enter(hist, entry)
        lastEntered = entry
        if let warning = history?.add(entry) { return warning }
        return nil
    }

    /// Empties libedit's history and the store (`/history clear`).
    @discardableResult
    public func clearHistory() -> HistoryStoreWarning? {
        _ = qc_history_clear(hist)
        lastEntered = nil
        return history?.clear()
    }

    /// A warning from loading the history at init (nil after the first call).
    public func takeHistoryWarning() -> HistoryStoreWarning? {
        defer { pendingWarning = nil }
        return pendingWarning
    }

    /// Bracketed paste off, cursor visible, SGR attributes reset, the termios from init restored.
    /// Idempotent; uses only write(2) and tcsetattr, so it is also usable from exit paths.
    public func restoreTerminal() {
        if isatty(outputFD) == 1 {
            fflush(output)
            let seq = "\u{1B}[?2004l\u{1B}[?25h\u{1B}[0m"
            _ = seq.withCString { write(outputFD, $0, strlen($0)) }
        }
        if var t = savedTermios {
            _ = tcsetattr(inputFD, TCSADRAIN, &t)
        }
    }

    // MARK: - One physical line

    private enum Physical {
        case line(String)
        case interrupted
        case endOfFile
    }

    private func readPhysicalLine(prompt: String) -> Physical {
        setPromptBuffer(PromptMarkup.markEscapes(prompt))
        interruptRequested = false
        lastTab = nil
        el_resize(el)
        let paste = interactive && bracketedPaste && !isViMode
        if paste { writeOut("\u{1B}[?2004h") }
        defer { if paste { writeOut("\u{1B}[?2004l") } }
        var count: Int32 = 0
        let result = el_wgets(el, &count)
        if interruptRequested {
            interruptRequested = false
            return .interrupted
        }
        guard let result, count > 0 else { return .endOfFile }
        var text = Self.string(result, count: Int(count))
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text.replacingCRLF())
    }

    private func setPromptBuffer(_ text: String) {
        free(promptBuffer)
        promptBuffer = strdup(text)
    }

    fileprivate var promptPointer: UnsafeMutablePointer<CChar>? { promptBuffer }

    private func writeOut(_ text: String) {
        fputs(text, output)
        fflush(output)
    }

    static func string(_ p: UnsafePointer<wchar_t>, count: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for i in 0..<count {
            if let s = Unicode.Scalar(UInt32(bitPattern: Int32(p[i]))) { scalars.append(s) }
        }
        return String(scalars)
    }

    static func wide(_ s: String) -> [wchar_t] {
        s.unicodeScalars.map { wchar_t(bitPattern: $0.value) } + [0]
    }

    // MARK: - Key functions (called from libedit)

    fileprivate func interrupt() -> UInt8 {
        interruptRequested = true
        if let info = el_wline(el)?.pointee {
            _ = el_cursor(el, Int32(info.lastchar - info.cursor))
        }
        _ = qc_el_winsert(el, Self.wide("^C"))
        // Accept the (discarded) line the normal way so libedit moves below it and prints the
        // newline; readLine sees interruptRequested and returns .interrupted.
        qc_el_wpush(el, Self.wide("\n"))
        return UInt8(CC_REFRESH)
    }

    fileprivate func complete() -> UInt8 {
        guard let completer, let info = el_wline(el)?.pointee else { return UInt8(CC_REFRESH_BEEP) }
        let all = Array(UnsafeBufferPointer(start: info.buffer, count: info.lastchar - info.buffer))
        let cursorScalars = info.cursor - info.buffer
        let line = Self.string(info.buffer, count: all.count)
        let cursor = Self.string(info.buffer, count: cursorScalars).count
        let secondTab = lastTab.map { $0.line == all && $0.cursor == cursorScalars } ?? false
        let action = Completion.action(line: line, cursor: cursor, candidates: completer(line, cursor), secondTab: secondTab)
        switch action {
        case .replace(let delete, let insert):
            if delete > 0 { el_deletestr(el, Int32(delete)) }
            if !insert.isEmpty { _ = qc_el_winsert(el, Self.wide(insert)) }
            if let after = el_wline(el)?.pointee {
                lastTab = (Array(UnsafeBufferPointer(start: after.buffer, count: after.lastchar - after.buffer)),
                           after.cursor - after.buffer)
            }
            return UInt8(CC_REFRESH)
        case .list(let items):
            lastTab = (all, cursorScalars)
            let width = Int(qc_terminal_width(outputFD))
            writeOut("\n" + Completion.columns(items, width: width > 0 ? width : 80))
            return UInt8(CC_REDISPLAY)
        case .beep:
            lastTab = (all, cursorScalars)
            return UInt8(CC_REFRESH_BEEP)
        }
    }

    /// Called on `ESC[200~`: reads up to `ESC[201~` and inserts the text (newlines kept) at the
    /// cursor. Enter then returns the whole buffer as one line.
    fileprivate func paste() -> UInt8 {
        let end: [wchar_t] = Array("\u{1B}[201~".unicodeScalars.map { wchar_t(bitPattern: $0.value) })
        var buffer: [wchar_t] = []
        var c: wchar_t = 0
        while qc_el_wgetc(el, &c) == 1 {
            buffer.append(c)
            if buffer.count >= end.count && Array(buffer.suffix(end.count)) == end {
                buffer.removeLast(end.count)
                break
            }
        }
        var text = Self.string(buffer, count: buffer.count).replacingCRLF()
        while text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { return UInt8(CC_NORM) }
        _ = qc_el_winsert(el, Self.wide(text))
        return UInt8(CC_REFRESH)
    }

    fileprivate func suspend() -> UInt8 {
        // libedit's SIGTSTP handler (EL_SIGNAL) restores cooked mode; its SIGCONT handler
        // re-enters raw mode and redraws.
        // raise() stops this thread synchronously; when it returns we have been continued.
        _ = qc_raise_tstp()
        writeOut("\n")
        return UInt8(CC_REDISPLAY)
    }
}

extension String {
    /// Terminals send CR for Enter/newlines inside pastes; normalise CRLF and CR to LF.
    func replacingCRLF() -> String {
        guard contains("\r") else { return self }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for s in unicodeScalars {
            if s == "\r" { out.append("\n"); previousCR = true; continue }
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(s)
        }
        return String(out)
    }
}

// MARK: - C callbacks

private func editor(_ el: OpaquePointer?) -> LineEditor? {
    guard let el, let data = qc_el_get_clientdata(el) else { return nil }
    return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
}

private let lineEditorPromptCallback: qc_prompt_fn = { el in
    editor(el)?.promptPointer
}

private let lineEditorInterruptCallback: qc_command_fn = { el, _ in
    editor(el)?.interrupt() ?? UInt8(CC_NORM)
}

private let lineEditorCompleteCallback: qc_command_fn = { el, _ in
    editor(el)?.complete() ?? UInt8(CC_NORM)
}

private let lineEditorPasteCallback: qc_command_fn = { el, _ in
    editor(el)?.paste() ?? UInt8(CC_NORM)
}

private let lineEditorSuspendCallback: qc_command_fn = { el, _ in
    editor(el)?.suspend() ?? UInt8(CC_NORM)
}
