import ChatCore
import Synchronization
import TerminalRendering

/// A reply drawn in place on a terminal. The request task feeds updates; the main thread
/// draws at most one frame per tick (about 60 a second), so bursts of tokens coalesce.
///
/// Reasoning streams in the status area before the answer: a "Thinking" heading and its last
/// few lines, dimmed (never taller than a few rows, so it can always be redrawn). When the
/// answer starts it folds to one line ("▸ Thought for 3.2 s · 214 words"), or with `show` is
/// printed in full above the answer first.
final class LiveReply: Sendable {
    private let renderer: Mutex<StreamRenderer>
    private let output: FileDescriptorOutput
    private let thinkingDisplay: ThinkingDisplay
    private let color: Bool
    private let state = Mutex(State())
    private static let spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    /// Lines of reasoning shown under the heading while it streams.
    private static let windowLines = 4

    private struct State {
        /// The status text and the spinner's step, until the first token replaces them.
        var text: String?
        var step = 0
        var lastStep = ContinuousClock.now
        var thinking = ""
        var thinkingSince: ContinuousClock.Instant?
        /// Set once the reasoning was folded (the answer started, or the reply ended).
        var folded = false
        /// Answer updates waiting for the fold to be drawn first.
        var held: [TextUpdate] = []
    }

    init(options: RenderOptions, thinking: ThinkingDisplay = .collapse, output: FileDescriptorOutput = .standardOutput) {
        renderer = Mutex(StreamRenderer(options: options))
        self.output = output
        thinkingDisplay = thinking
        color = options.color
    }

    /// Under the state lock, like the fold in `drawFrame`: an update from the request task
    /// can never be drawn between the fold and the updates held for it (out of order).
    func update(_ update: TextUpdate) {
        state.withLock { state in
            state.text = nil
            if !state.folded {
                // Reasoning before the answer: hold the answer until the fold is drawn. With
                // none, later reasoning is kept in the transcript, not drawn into the answer.
                guard state.thinking.isEmpty else {
                    state.held.append(update)
                    return
                }
                state.folded = true
            }
            apply(update)
        }
    }

    private func apply(_ update: TextUpdate) {
        renderer.withLock { renderer in
            switch update {
            case .delta(let text): renderer.append(text)
            case .revised(let text): renderer.revise(text)
            }
        }
    }

    /// The reply's reasoning: shown while no answer has arrived, kept for the fold.
    func thinking(_ update: TextUpdate) {
        let lines = state.withLock { state -> [String]? in
            switch update {
            case .delta(let text): state.thinking += text
            case .revised(let text): state.thinking = text
            }
            if state.thinkingSince == nil { state.thinkingSince = .now }
            return state.folded ? nil : statusLines(state)
        }
        if let lines { renderer.withLock { $0.setStatus(lines: lines) } }
    }

    func status(_ text: String?) {
        let lines = state.withLock { state -> [String]? in
            state.text = text
            return text == nil && state.thinking.isEmpty ? nil : statusLines(state)
        }
        renderer.withLock { renderer in
            if let lines { renderer.setStatus(lines: lines) } else { renderer.setStatus(nil) }
        }
    }

    private func statusLines(_ state: State) -> [String] {
        let spinner = Self.spinnerFrames[state.step % Self.spinnerFrames.count]
        guard !state.thinking.isEmpty else { return state.text.map { [spinner + " " + $0] } ?? [] }
        guard thinkingDisplay != .hide else { return [spinner + " Thinking…"] }
        var tail: [Substring] = []
        // The window needs the end of the reasoning only: per token this costs the same however
        // long the reasoning (or its last paragraph) is.
        var rest = state.thinking.suffix(Self.windowLines * 400)
        while tail.count < Self.windowLines, let end = rest.lastIndex(where: { !$0.isWhitespace }) {
            rest = rest[...end]
            let start = rest.lastIndex(where: \.isNewline).map { rest.index(after: $0) } ?? rest.startIndex
            tail.insert(rest[start...], at: 0)
            rest = rest[..<start]
        }
        return [spinner + " Thinking…"] + tail.map { "  " + $0 }
    }

    /// Advances the spinner about ten times a second while the status line shows.
    private func stepSpinner() {
        let lines = state.withLock { state -> [String]? in
            guard state.text != nil || (!state.thinking.isEmpty && !state.folded),
                  state.lastStep.duration(to: .now) >= .milliseconds(100) else { return nil }
            state.step += 1
            state.lastStep = .now
            return statusLines(state)
        }
        if let lines { renderer.withLock { $0.setStatus(lines: lines) } }
    }

    /// Called on the main thread's tick.
    func drawFrame() {
        if WindowSizeFlag.take() {
            let width = TerminalControl.width(), height = TerminalControl.height()
            renderer.withLock { $0.resize(width: width, height: height) }
        }
        drainHeld()
        stepSpinner()
        let bytes = renderer.withLock { $0.frame() }
        if !bytes.isEmpty { output.write(bytes) }
    }

    /// The fold, then the answer updates held for it, under the state lock (see `update`).
    private func drainHeld(evenIfNone: Bool = false) {
        state.withLock { state in
            guard evenIfNone || !state.held.isEmpty else { return }
            if !state.folded {
                state.folded = true
                fold(state.thinking, since: state.thinkingSince)
            }
            for update in state.held { apply(update) }
            state.held = []
        }
    }

    /// The reasoning folds to one line (or, with `show`, is printed in full) above the answer.
    private func fold(_ thinking: String, since: ContinuousClock.Instant?) {
        guard !thinking.isEmpty else { return }
        // Clear the status area first: the fold is written where it was.
        let clear = renderer.withLock { renderer -> [UInt8] in
            renderer.setStatus(nil)
            return renderer.frame()
        }
        output.write(clear)
        let seconds = since.map { min($0.duration(to: .now) / .seconds(1), 1e6) } ?? 0
        let words = thinking.split(whereSeparator: \.isWhitespace).count
        let line = "▸ Thought for \(ChatController.formatSeconds(seconds)) · \(words) word\(words == 1 ? "" : "s")"
        var text: TerminalText = ""
        if thinkingDisplay == .show {
            let body = TerminalText(untrusted: String(thinking.trimmingTrailingWhitespace())).text.replacing("\n", with: "\r\n")
            text += color ? "\u{1B}[2m\(line)\r\n" + TerminalText(trusted: body) + "\u{1B}[0m\r\n" : "\(line)\r\n" + TerminalText(trusted: body) + "\r\n"
        } else {
            text += color ? "\u{1B}[2m\(line)\u{1B}[0m\r\n" : "\(line)\r\n"
        }
        output.write(text)
    }

    /// Everything committed; the cursor on a fresh line.
    func finish() {
        drainHeld(evenIfNone: true)
        let bytes = renderer.withLock { $0.finish() }
        output.write(bytes)
    }
}

private extension String {
    func trimmingTrailingWhitespace() -> Substring {
        var text = self[...]
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return text
    }
}
