/// What went wrong, as a small set of cases a user can act on. Each has a one-line message.
///
/// A struct around a code rather than an enum, so new cases never break a caller's `switch`.
public struct GradioError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No connection: DNS, refused, TLS, or a proxy that would not connect.
        public static let unreachable = Code("unreachable")
        /// The hosting edge answered instead of Gradio: the Space is down, asleep or building.
        public static let spaceDown = Code("space-down")
        public static let queueFull = Code("queue-full")
        public static let rateLimited = Code("rate-limited")
        public static let unsupportedVersion = Code("unsupported-version")
        public static let endpointNotFound = Code("endpoint-not-found")
        /// The app raised an error; the message is the app's text when it shows errors.
        public static let upstream = Code("upstream")
        public static let sessionNotFound = Code("session-not-found")
        /// The stream ended, or the connection dropped, before `process_completed`.
        public static let streamEnded = Code("stream-ended")
        /// No byte (not even a heartbeat) for the idle timeout.
        public static let idleTimeout = Code("idle-timeout")
        /// An HTTP answer this client cannot use (4xx/5xx not covered above, or not Gradio).
        public static let badResponse = Code("bad-response")
        public static let cancelled = Code("cancelled")
        /// The request could not be sent as given (a header value with a line break).
        public static let invalidRequest = Code("invalid-request")
    }

    public var code: Code
    /// One line, ready for stderr.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether waiting and trying again may help (the Space is busy or waking up).
    public var isTransient: Bool {
        code == .queueFull || code == .spaceDown || code == .rateLimited
    }
}

extension GradioError {
    static func upstreamError(_ text: String?) -> GradioError {
        guard let text, !text.isEmpty else {
            return GradioError(.upstream, "the Space failed and hid the error (its show_error is off)")
        }
        return GradioError(.upstream, "the Space reported an error: \(oneLine(text))")
    }

    static func unexpected(_ text: String?) -> GradioError {
        let text = text ?? "unknown error"
        if text.contains("Session not found") {
            return GradioError(.sessionNotFound, "the Space lost this session (\(oneLine(text)))")
        }
        return GradioError(.upstream, "the Space reported an unexpected error: \(oneLine(text))")
    }
}

/// Collapses untrusted text to one line of bounded length, for errors shown on one line:
/// control characters (line breaks too) become spaces, runs of spaces one.
package func oneLine(_ text: String, limit: Int = 300) -> String {
    var line = String(text.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? " " : Character($0) })
    line = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    return line.count > limit ? String(line.prefix(limit)) + "…" : line
}

extension String {
    /// The string without leading and trailing white space (spaces, tabs, newlines).
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
