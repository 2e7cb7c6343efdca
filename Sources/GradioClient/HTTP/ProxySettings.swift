#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which proxy, if any, to use for a URL: `--proxy` first, then `HTTPS_PROXY`/`HTTP_PROXY`
/// (either case, by the target's scheme, `ALL_PROXY` last), unless `NO_PROXY` names the host.
public struct ProxySettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `user:password` from the proxy URL, sent as proxy basic authorization.
    public var credentials: String?

    public init(host: String, port: Int, credentials: String? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// `Basic …` for `Proxy-Authorization`, when there are credentials.
    var basicAuthorization: String? {
        credentials.map { "Basic " + Data($0.utf8).base64EncodedString() }
    }

    /// - Throws: `GradioError` with a one-line message when a proxy URL is not usable.
    public static func resolve(target: URLParts, explicit: String?, environment: [String: String]) throws -> ProxySettings? {
        func env(_ name: String) -> String? {
            let value = environment[name.lowercased()] ?? environment[name.uppercased()]
            return (value?.isEmpty ?? true) ? nil : value
        }
        if let explicit, !explicit.isEmpty { return try parse(explicit) }
        if let noProxy = env("no_proxy"), matches(noProxy: noProxy, host: target.host) { return nil }
        let candidate = target.scheme == "https"
            ? (env("https_proxy") ?? env("all_proxy"))
            : (env("http_proxy") ?? env("all_proxy"))
        return try candidate.map(parse)
    }

    static func parse(_ text: String) throws -> ProxySettings {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let parts = URLParts(withScheme), parts.scheme == "http" else {
            throw GradioError(.unreachable, "unusable proxy URL \(URLParts.redacting(text)): only http:// proxies are supported")
        }
        return ProxySettings(host: parts.host, port: parts.port, credentials: parts.userInfo)
    }

    /// `NO_PROXY` is a comma list of hosts, domain suffixes (`.example.com` or `example.com`),
    /// or `*` for every host.
    static func matches(noProxy: String, host: String) -> Bool {
        let host = host.lowercased()
        for rawEntry in noProxy.split(separator: ",") {
            var entry = String(rawEntry).trimmingWhitespace().lowercased()
            if entry == "*" { return true }
            if let colon = entry.lastIndex(of: ":"), !entry.contains("]"), entry.filter({ $0 == ":" }).count == 1 {
                entry = String(entry[..<colon])
            }
            if entry.hasPrefix(".") { entry.removeFirst() }
            if entry.isEmpty { continue }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }
}

/// The pieces of an http(s) URL this client needs, parsed without Foundation's `URL`.
public struct URLParts: Sendable, Equatable {
    public var scheme: String
    public var userInfo: String?
    public var host: String
    public var port: Int
    /// Everything after the authority, for example `/gradio` or ``.
    public var path: String

    public init?(_ text: String) {
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        path = String(rest[authorityEnd...])
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        var hostPart = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { return nil }
        host = String(hostPart)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            port = scheme == "https" ? 443 : 80
        }
    }

    /// The URL with any `user:password@` replaced, for messages and logs.
    public static func redacting(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else {
            if let at = text.lastIndex(of: "@") { return "***@" + text[text.index(after: at)...] }
            return text
        }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<schemeEnd.upperBound]) + "***@" + String(text[text.index(after: at)...])
    }
}
