#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// SIGINT and SIGTERM only set a flag; the main thread polls it and cancels the running request.
/// (Code after a top-level `await` runs off the main thread, where these signals are blocked.)
/// At the interactive prompt nothing is in flight and every turn is already on disk, so SIGTERM
/// and SIGHUP restore the terminal and exit at once (libedit would otherwise keep reading).
enum InterruptFlag {
    static let sigint = Atomic<Int>(0)
    static let sigterm = Atomic<Bool>(false)
    /// True while the interactive prompt waits for input.
    static let atPrompt = Atomic<Bool>(false)

    static func install() {
        // A parent may start us with these blocked (some test runners and supervisors do).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in InterruptFlag.sigint.add(1, ordering: .relaxed) }
        sigaddset(&set, SIGHUP)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        let terminate: @convention(c) (Int32) -> Void = { signal in
            InterruptFlag.sigterm.store(true, ordering: .relaxed)
            if InterruptFlag.atPrompt.load(ordering: .relaxed) {
                TerminalControl.restoreAll()
                let newline: StaticString = "\r\n"
                _ = write(1, newline.utf8Start, newline.utf8CodeUnitCount)
                _exit(128 + signal)
            }
        }
        signal(SIGTERM, terminate)
        signal(SIGHUP, terminate)
    }

    static var interrupted: Bool {
        sigint.load(ordering: .relaxed) > 0 || sigterm.load(ordering: .relaxed)
    }
}
