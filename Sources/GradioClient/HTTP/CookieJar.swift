import AsyncHTTPClient
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The cookies an app set, sent back with later requests to it: a login's session cookie, and
/// the affinity cookie of a load balancer in front of several replicas (without it the join
/// and the data stream can land on different replicas, which do not share sessions).
///
/// In memory only, one jar per client (per Space). `Set-Cookie` is parsed by async-http-client's
/// `HTTPClient.Cookie`; what is kept follows RFC 6265 with one deliberate narrowing: a cookie
/// goes back only to the host that set it (its `Domain` attribute is not honoured, so no app can
/// set a cookie for its neighbours under a shared suffix like `hf.space`). Path, `Secure`,
/// `Max-Age` and `Expires` are honoured. Everything here comes from the server, so it is
/// bounded: at most `maximumCookies` cookies of at most `maximumCookieBytes` each.
public final class CookieJar: Sendable {
    public static let maximumCookies = 50
    public static let maximumCookieBytes = 4096

    struct Entry: Sendable {
        var name: String
        var value: String
        var host: String
        var path: String
        var secure: Bool
        var expires: Date?
    }

    private let entries = Mutex<[Entry]>([])
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock expiry is read against (tests pass their own).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Keeps the cookies `head` sets (its `Set-Cookie` headers) for later requests to `url`'s host.
    public func store(_ head: HTTPResponseHead, from url: String) {
        let headers = head.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1)
        guard !headers.isEmpty, let target = Target(url) else { return }
        let now = now()
        entries.withLock { entries in
            for header in headers {
                guard header.utf8.count <= Self.maximumCookieBytes,
                      let cookie = HTTPClient.Cookie(header: header, defaultDomain: target.host),
                      Self.isPlain(cookie.name), Self.isPlain(cookie.value) else { continue }
                // A Domain the host is not in is refused (RFC 6265 5.3); one it is in still
                // makes the cookie the host's only.
                if Self.hasAttribute("domain", in: header), let domain = cookie.domain,
                   !(target.host == domain || target.host.hasSuffix("." + domain)) { continue }
                // No Path attribute: the request path's directory (RFC 6265 5.1.4).
                let path = Self.hasAttribute("path", in: header) ? cookie.path : target.defaultPath
                var expires: Date?
                if let maxAge = cookie.maxAge {
                    expires = now.addingTimeInterval(Double(max(min(maxAge, 400 * 86_400), -1)))
                } else if let date = cookie.expires {
                    expires = date
                }
                entries.removeAll { $0.name == cookie.name && $0.host == target.host && $0.path == path }
                if let expires, expires <= now { continue }
                entries.append(Entry(name: cookie.name, value: cookie.value, host: target.host, path: path,
                                     secure: cookie.secure, expires: expires))
                if entries.count > Self.maximumCookies { entries.removeFirst(entries.count - Self.maximumCookies) }
            }
        }
    }

    /// The `Cookie` header for a request to `url`; nil when no cookie belongs there.
    public func header(for url: String) -> String? {
        guard let target = Target(url) else { return nil }
        let now = now()
        let matching = entries.withLock { entries -> [Entry] in
            entries.removeAll { $0.expires.map { $0 <= now } ?? false }
            return entries.filter { entry in
                entry.host == target.host && (!entry.secure || target.isSecure) && Self.pathMatches(target.path, entry.path)
            }
        }
        guard !matching.isEmpty else { return nil }
        // Longer paths first (RFC 6265 5.4); otherwise in the order they were set.
        return matching.enumerated().sorted { ($0.element.path.count, -$0.offset) > ($1.element.path.count, -$1.offset) }
            .map { "\($0.element.name)=\($0.element.value)" }.joined(separator: "; ")
    }

    /// Forgets every cookie (a new session with the app).
    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    /// Names of the cookies kept, for tests and `/info`-like reports (never the values).
    public var names: [String] { entries.withLock { $0.map(\.name) } }

    private struct Target {
        var host: String
        var path: String
        var isSecure: Bool

        init?(_ url: String) {
            guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
                  let host = parts.host?.lowercased(), !host.isEmpty else { return nil }
            self.host = host
            path = parts.path.isEmpty ? "/" : parts.path
            isSecure = scheme == "https"
        }

        var defaultPath: String {
            guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
            return String(path[..<slash])
        }
    }

    /// RFC 6265 5.1.4: the cookie path is the request path, or a prefix of it ending at a `/`.
    static func pathMatches(_ requestPath: String, _ cookiePath: String) -> Bool {
        guard requestPath.hasPrefix(cookiePath) else { return false }
        return requestPath.count == cookiePath.count || cookiePath.hasSuffix("/")
            || requestPath[requestPath.index(requestPath.startIndex, offsetBy: cookiePath.count)] == "/"
    }

    /// Printable ASCII without separators that would change the `Cookie` header's meaning.
    private static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }
    }

    private static func hasAttribute(_ name: String, in header: String) -> Bool {
        header.split(separator: ";").dropFirst().contains { attribute in
            let key = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return key.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
                .map { $0.lowercased() }.joined() == name
        }
    }
}
