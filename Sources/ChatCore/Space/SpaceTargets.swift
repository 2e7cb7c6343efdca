#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GradioClient

/// Builds what the turns go to from a Space id and a URL: at start from `--space`, `--url`
/// and `QWEN_CHAT_URL`, later from `/space`. Decides where a token may go: one given with
/// `--token` goes where the user points it (and to the Hub); `HF_TOKEN`, read from the
/// environment and so not aimed at any host, only to the Hub and to `*.hf.space` hosts.
/// On a `*.hf.space` host a token goes as `X-HF-Authorization`, as Gradio's own client sends
/// it: the Spaces proxy takes it and does not pass it on, while `Authorization` would reach
/// the Space's own code.
public struct SpaceTargets: Sendable {
    public let transport: any HTTPTransport
    /// `--token`.
    public let explicitToken: String?
    /// `HF_TOKEN`.
    public let environmentToken: String?
    /// `HF_ENDPOINT`, else https://huggingface.co.
    public let hubEndpoint: String
    public let userAgent: String
    public let limits: GradioLimits
    /// `--auth`, and the app it is for: posted only to that scheme, host and port.
    public let login: (GradioLogin, for: URLParts)?

    public init(transport: any HTTPTransport, explicitToken: String?, environmentToken: String?, hubEndpoint: String, userAgent: String,
                limits: GradioLimits = GradioLimits(), login: (GradioLogin, for: URLParts)? = nil) {
        self.login = login
        self.transport = transport
        self.explicitToken = explicitToken
        self.environmentToken = environmentToken
        self.hubEndpoint = hubEndpoint
        self.userAgent = userAgent
        self.limits = limits
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameters:
    ///   - spaceID: the Space the Hub is asked about; nil for a bare URL (no Hub lookups).
    ///   - url: the Space's host; `user:password@` in it goes out as basic authorization.
    public func target(spaceID: String?, url givenURL: String) throws(Failure) -> ChatService.Target {
        let (root, credentials) = URLParts.splittingCredentials(givenURL)
        guard let parts = URLParts(root) else {
            throw Failure(description: "'\(URLParts.redacting(givenURL))' is not an http:// or https:// URL")
        }
        let token = hostToken(for: parts)
        if credentials != nil, token != nil {
            throw Failure(description: "the URL has a user and password and a token is set (--token or HF_TOKEN); give only one")
        }
        let authorization: (String, String)?
        if let token {
            authorization = (Self.isSpacesHost(parts) ? "X-HF-Authorization" : "Authorization", "Bearer \(token)")
        } else {
            authorization = credentials.map { ("Authorization", "Basic " + Data($0.utf8).base64EncodedString()) }
        }
        let client = GradioClient(
            root: root,
            transport: transport,
            headers: authorization.map { [$0] } ?? [],
            product: "qwen-chat",
            userAgent: userAgent,
            limits: limits,
            login: login.flatMap { Self.sameApp($0.for, parts) ? $0.0 : nil }
        )
        let hubToken = explicitToken ?? environmentToken
        let hub = spaceID.map {
            SpaceHub(spaceID: $0, endpoint: hubEndpoint, transport: transport,
                     headers: (hubToken.map { [("Authorization", "Bearer \($0)")] } ?? []) + [("User-Agent", userAgent)])
        }
        return ChatService.Target(client: client, hub: hub, tokenSent: token != nil)
    }

    /// The token the Space's host gets, if any.
    public func hostToken(for parts: URLParts) -> String? {
        if let explicitToken { return explicitToken }
        return Self.isSpacesHost(parts) ? environmentToken : nil
    }

    static func sameApp(_ a: URLParts, _ b: URLParts) -> Bool {
        a.scheme == b.scheme && a.host.lowercased() == b.host.lowercased() && a.port == b.port
    }

    /// A Space's own host, behind the Hugging Face Spaces proxy.
    static func isSpacesHost(_ parts: URLParts) -> Bool {
        parts.host.lowercased().hasSuffix(".hf.space")
    }
}
