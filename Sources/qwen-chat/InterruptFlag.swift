#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// SIGINT and SIGTERM only set a flag; the main thread polls it and cancels the running request.
/// (Code after a top-level `await` runs off the main thread, where these signals are blocked.)
enum InterruptFlag {
    static let sigint = Atomic<Int>(0)
    static let sigterm = Atomic<Bool>(false)

    static func install() {
        // A parent may start us with these blocked (some test runners and supervisors do).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in InterruptFlag.sigint.add(1, ordering: .relaxed) }
        signal(SIGTERM) { _ in InterruptFlag.sigterm.store(true, ordering: .relaxed) }
    }

    static var interrupted: Bool {
        sigint.load(ordering: .relaxed) > 0 || sigterm.load(ordering: .relaxed)
    }
}
