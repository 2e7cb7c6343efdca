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
        /// The Space sent more than a limit allows (an event, the reply: `GradioLimits`).
        public static let tooLarge = Code("too-large")
        /// The Space's config would send requests somewhere else than the app's root.
        public static let unsafeConfig = Code("unsafe-config")
        /// The request could not be sent as given (a header value with a line break).
        public static let invalidRequest = Code("invalid-request")
        /// The app was launched with `auth=` and no login was given (or it did not hold).
        public static let loginRequired = Code("login-required")
        /// The app refused the user name and password.
        public static let loginRefused = Code("login-refused")
    }

    public var code: Code
    /// One line, ready for stderr.
    public var message: String
    /// An app error's own title (`gr.Error(title=)`, e.g. "ZeroGPU quota exceeded"), one line.
    public var title: String?
    /// An app error's text as the app wrote it (it may hold HTML), for callers that reword it.
    public var detail: String?

    public init(_ code: Code, _ message: String, title: String? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.title = title
        self.detail = detail
    }

    public var description: String { message }

    /// The same error: its code and message (the title and detail only add to them).
    public static func == (lhs: GradioError, rhs: GradioError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    /// Whether waiting and trying again may help (the Space is busy or waking up).
    public var isTransient: Bool {
        code == .queueFull || code == .spaceDown || code == .rateLimited
    }
}

extension GradioError {
    static func upstreamError(_ text: String?, title: String? = nil) -> GradioError {
        let title = title.map { oneLine($0, limit: 80) }.flatMap { $0.isEmpty || $0 == "Error" ? nil : $0 }
        guard let text, !text.isEmpty else {
            return GradioError(.upstream, "the Space failed and hid the error (its show_error is off)", title: title)
        }
        return GradioError(.upstream, "the Space reported an error: \(oneLine(text))", title: title, detail: String(text.prefix(4096)))
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
/// line breaks and tabs become spaces (runs of spaces one); other controls, C1 controls and
/// bidi controls are shown as pictures (`␛`, `<U+009B>`, `<U+202E>`), so that no escape
/// sequence survives and a cut at `limit` characters can never fall inside one.
package func oneLine(_ text: String, limit: Int = 300) -> String {
    var line = ""
    var lastWasSpace = true
    for scalar in text.unicodeScalars {
        let v = scalar.value
        switch v {
        case 0x09, 0x0A, 0x0D, 0x20:
            if !lastWasSpace { line.append(" ") }
            lastWasSpace = true
            continue
        case 0x00..<0x20: line.unicodeScalars.append(Unicode.Scalar(0x2400 + v)!)
        case 0x7F: line.append("\u{2421}")
        case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069:
            line += "<U+" + String(v, radix: 16, uppercase: true).leftPadded(to: 4) + ">"
        default: line.unicodeScalars.append(scalar)
        }
        lastWasSpace = false
    }
    if line.hasSuffix(" ") { line.removeLast() }
    return line.count > limit ? String(line.prefix(limit)) + "…" : line
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
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
