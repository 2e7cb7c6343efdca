import ChatCore
import Synchronization
import TerminalRendering

/// A reply drawn in place on a terminal. The request task feeds updates; the main thread
/// draws at most one frame per tick (about 60 a second), so bursts of tokens coalesce.
final class LiveReply: Sendable {
    private let renderer: Mutex<StreamRenderer>
    private let output: FileDescriptorOutput
    /// The status text and the spinner's step, until the first token replaces them.
    private let spinner = Mutex<(text: String?, step: Int, lastStep: ContinuousClock.Instant)>((nil, 0, .now))
    private static let spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    init(options: RenderOptions, output: FileDescriptorOutput = .standardOutput) {
        renderer = Mutex(StreamRenderer(options: options))
        self.output = output
    }

    func update(_ update: TextUpdate) {
        spinner.withLock { $0.text = nil }
        renderer.withLock { renderer in
            switch update {
            case .delta(let text): renderer.append(text)
            case .revised(let text): renderer.revise(text)
            }
        }
    }

    func status(_ text: String?) {
        let line = spinner.withLock { state -> String? in
            state.text = text
            return text.map { Self.spinnerFrames[state.step % Self.spinnerFrames.count] + " " + $0 }
        }
        renderer.withLock { $0.setStatus(line) }
    }

    /// Advances the spinner about ten times a second while the status line shows.
    private func stepSpinner() {
        let line = spinner.withLock { state -> String? in
            guard let text = state.text, state.lastStep.duration(to: .now) >= .milliseconds(100) else { return nil }
            state.step += 1
            state.lastStep = .now
            return Self.spinnerFrames[state.step % Self.spinnerFrames.count] + " " + text
        }
        if let line { renderer.withLock { $0.setStatus(line) } }
    }

    /// Called on the main thread's tick.
    func drawFrame() {
        if WindowSizeFlag.take() {
            let width = TerminalControl.width()
            renderer.withLock { $0.resize(width: width) }
        }
        stepSpinner()
        let bytes = renderer.withLock { $0.frame() }
        if !bytes.isEmpty { output.write(bytes) }
    }

    /// Everything committed; the cursor on a fresh line.
    func finish() {
        let bytes = renderer.withLock { $0.finish() }
        output.write(bytes)
    }
}
