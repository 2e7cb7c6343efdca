import GradioClient

/// Where a run goes, decided from what the user gave (`--url`, `--space`, `QWEN_CHAT_URL`,
/// `HF_ENDPOINT`): a pure value, so that the precedence is tested without a binary and the
/// executable only carries it out.
///
/// `--url` names the host (a mirror, a local replica), `--space` the Space the Hub is asked
/// about (and, alone, its `*.hf.space` host); `QWEN_CHAT_URL` is a default host with no Hub
/// lookups; with none of them, Qwen/Qwen2.5 on its own host, the Hub asked about it.
public struct LaunchTarget: Sendable, Equatable {
    /// The Space the Hub is asked about; nil for a bare URL.
    public var spaceID: String?
    /// The app's root as given (a `user:password@` in it stays for `SpaceTargets`).
    public var url: String
    /// The app's scheme, host and port: where the login and a `--token` go.
    public var root: URLParts
    /// The Hub asked about `spaceID`.
    public var hubEndpoint: String

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public static func decide(url: String?, space: String?, environmentURL: String?, hubEndpoint: String?) throws(Failure) -> LaunchTarget {
        let spaceID = space ?? (url == nil && environmentURL == nil ? QwenSpace.spaceID : nil)
        let given = url ?? space.flatMap(QwenSpace.url(forSpaceID:)) ?? environmentURL ?? QwenSpace.defaultURL
        guard let root = URLParts(URLParts.splittingCredentials(given).url) else {
            throw Failure(description: "'\(URLParts.redacting(given))' is not an http:// or https:// URL")
        }
        let hub = hubEndpoint ?? SpaceHub.defaultEndpoint
        if spaceID != nil, URLParts(hub) == nil {
            throw Failure(description: "HF_ENDPOINT '\(URLParts.redacting(hub))' is not an http:// or https:// URL")
        }
        return LaunchTarget(spaceID: spaceID, url: given, root: root, hubEndpoint: hub)
    }

    /// `--auth USER[:PASSWORD]`: the user and, when given, the password (split at the first
    /// colon, so a password may hold more); nil without a user name.
    public static func login(_ auth: String) -> (username: String, password: String?)? {
        let parts = auth.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = parts.first, !user.isEmpty else { return nil }
        return (String(user), parts.count > 1 ? String(parts[1]) : nil)
    }
}
