import ChatCore
import Synchronization
import TerminalRendering

/// A reply drawn in place on a terminal. The request task feeds updates; the main thread
/// draws at most one frame per tick (about 60 a second), so bursts of tokens coalesce.
final class LiveReply: Sendable {
    private let renderer: Mutex<StreamRenderer>
    private let output: FileDescriptorOutput

    init(options: RenderOptions, output: FileDescriptorOutput = .standardOutput) {
        renderer = Mutex(StreamRenderer(options: options))
        self.output = output
    }

    func update(_ update: TextUpdate) {
        renderer.withLock { renderer in
            switch update {
            case .delta(let text): renderer.append(text)
            case .revised(let text): renderer.revise(text)
            }
        }
    }

    func status(_ text: String?) {
        renderer.withLock { $0.setStatus(text) }
    }

    /// Called on the main thread's tick.
    func drawFrame() {
        if WindowSizeFlag.take() {
            let width = TerminalControl.width()
            renderer.withLock { $0.resize(width: width) }
        }
        let bytes = renderer.withLock { $0.frame() }
        if !bytes.isEmpty { output.write(bytes) }
    }

    /// Everything committed; the cursor on a fresh line.
    func finish() {
        let bytes = renderer.withLock { $0.finish() }
        output.write(bytes)
    }
}
