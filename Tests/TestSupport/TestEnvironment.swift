import Foundation

// The environment scripts/test exports, and what a test does when a part of it is missing.

/// Why an end-to-end test could not run as required.
public struct TestSetupFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The test environment that `scripts/test` exports.
public enum TestEnvironment {
    public static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// `QWEN_CHAT_REQUIRE_INTEGRATION=1`: a missing server or binary is a failure, not a skip.
    public static var required: Bool { value("QWEN_CHAT_REQUIRE_INTEGRATION") == "1" }
}

/// A tag that makes a test's message unique among parallel tests on shared servers.
public func uniqueTag() -> String {
    "t" + String(UUID().uuidString.prefix(8)).lowercased()
}

public enum Binary {
    /// `QWEN_CHAT_BINARY`, or nil (skip) / a failure (required) when missing.
    public static func require() throws -> String? {
        if let path = TestEnvironment.value("QWEN_CHAT_BINARY") {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestSetupFailure("QWEN_CHAT_BINARY=\(path) is not an executable file; build it first")
            }
            return path
        }
        if TestEnvironment.required {
            throw TestSetupFailure("QWEN_CHAT_BINARY is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1")
        }
        return nil
    }
}
