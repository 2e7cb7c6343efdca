import Foundation
import TestSupport
import Testing
@testable import GradioClient


/// One recorded exchange from `Tests/Fixtures`: the whole text, its SSE body and what it says.
struct Capture: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String

    var testDescription: String { name }

    static let gradio4Names = [
        "normal-stream", "hidden-error", "visible-error", "midstream-error", "cancel",
        "data-without-join", "bad-fn-index",
    ]
    static let harnessNames = [
        "gradio-5.50.0-indent", "gradio-5.50.0-normal", "gradio-6.31.0-indent", "gradio-6.31.0-normal",
        "replica-4.44.1-indent", "replica-4.44.1-leading-blank", "replica-4.44.1-normal",
    ]

    /// Every capture with an SSE body, keyed by a path under `Fixtures/`.
    static let all: [Capture] =
        gradio4Names.map { load("gradio-4.44.1/\($0).txt") }
        + [load("gradio-6.31.0/chat-interface-stream.txt")]
        + harnessNames.map { load("harness/\($0).txt") }

    static func gradio4(_ name: String) -> Capture { load("gradio-4.44.1/\(name).txt") }

    static func load(_ relativePath: String) -> Capture {
        Capture(name: relativePath, text: Fixtures.text(relativePath))
    }

    /// The SSE body: lines from the first `data: ` line up to the next `###` heading or EOF.
    var body: String { Fixtures.sseBody(ofCapture: text) }

    var bodyBytes: [UInt8] { Array(body.utf8) }

    /// The payload of each `data: ` line, parsed.
    var events: [JSONValue] {
        body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { try! JSONValue.parse(String($0.dropFirst(6))) }
    }

    /// The capture's event id: the first one its events carry.
    var eventID: String? {
        events.lazy.compactMap { $0["event_id"]?.stringValue }.first
    }

    /// The final output values of `process_completed`, when it succeeded.
    var finalOutputs: [JSONValue]? {
        events.first { $0["msg"]?.stringValue == "process_completed" }?["output"]?["data"]?.arrayValue
    }
}
