import Synchronization

/// A user name and password for an app launched with Gradio's `auth=`: posted to the app's
/// `/login` form (as Gradio's own client does), whose session cookie then goes with every
/// request. The password is never part of a message: `description` leaves it out.
public struct GradioLogin: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "login as \(username)" }

    /// The form body, `application/x-www-form-urlencoded`.
    var formBody: [UInt8] {
        Array("username=\(Self.formEncoded(username))&password=\(Self.formEncoded(password))".utf8)
    }

    static func formEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// Whether a client (and its copies) has logged in; reset when the app forgets the login.
final class LoginState: Sendable {
    private let loggedIn = Mutex(false)
    var isLoggedIn: Bool { loggedIn.withLock { $0 } }
    func set(_ value: Bool) { loggedIn.withLock { $0 = value } }
}
