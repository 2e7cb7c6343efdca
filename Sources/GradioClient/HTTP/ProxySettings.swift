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
    /// `user:password` from the proxy URL, percent-decoded,, sent as proxy basic authorization.
    public var credentials: String?

    public init(host: String, port: Int, credentials: String? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
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
        return ProxySettings(host: parts.host, port: parts.port, credentials: parts.credentials)
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

/// The pieces of an http(s) URL this client needs, read with `URLComponents`.
public struct URLParts: Sendable, Equatable {
    public var scheme: String
    /// `user:password`, percent-decoded (`pa%40ss` is `pa@ss`), when the URL has them.
    public var credentials: String?
    /// The host name or address, without an IPv6 address's brackets.
    public var host: String
    public var port: Int

    public init(scheme: String, credentials: String? = nil, host: String, port: Int) {
        self.scheme = scheme
        self.credentials = credentials
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = parts.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = parts.port ?? (scheme == "https" ? 443 : 80)
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        let credentials = (parts.user ?? parts.password).map { _ in (parts.user ?? "") + (parts.password.map { ":" + $0 } ?? "") }
        self.init(scheme: scheme, credentials: credentials, host: host, port: port)
    }

    /// The URL without `user:password@`, and those credentials as `parts.credentials` reads
    /// them, so that they can be sent as basic authorization rather than dropped.
    public static func splittingCredentials(_ text: String) -> (url: String, credentials: String?) {
        guard var parts = URLComponents(string: text), parts.user != nil || parts.password != nil,
              let credentials = URLParts(text)?.credentials else { return (text, nil) }
        parts.user = nil
        parts.password = nil
        return (parts.string ?? text, credentials)
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
