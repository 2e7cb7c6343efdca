import Foundation
import TestSupport
import Testing
@testable import GradioClient


/// One recorded exchange from `Fixtures/`: the whole text, its SSE body and what it says.
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
        Capture(name: relativePath, text: String(decoding: fixtureBytes(relativePath), as: UTF8.self))
    }

    /// The SSE body: lines from the first `data: ` line up to the next `###` heading or EOF.
    var body: String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.firstIndex(where: { $0.hasPrefix("data: ") }) else { return "" }
        var out = ""
        for line in lines[first...] {
            if line.hasPrefix("###") { break }
            out += line + "\n"
        }
        return out
    }

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

func fixtureURL(_ relativePath: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
}

func fixtureBytes(_ relativePath: String) -> [UInt8] {
    let url = fixtureURL(relativePath)
    guard let data = FileManager.default.contents(atPath: url.path) else {
        fatalError("missing fixture \(url.path)")
    }
    return Array(data)
}

/// Splits bytes into chunks at the given offsets (sorted, in range).
func split(_ bytes: [UInt8], at offsets: [Int]) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    for offset in offsets.sorted() {
        chunks.append(Array(bytes[start..<offset]))
        start = offset
    }
    chunks.append(Array(bytes[start...]))
    return chunks
}

/// Splits bytes into chunks of random sizes in `sizes`.
func randomChunks(_ bytes: [UInt8], sizes: ClosedRange<Int>, rng: inout SplitMix64) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + Int.random(in: sizes, using: &rng))
        chunks.append(Array(bytes[start..<end]))
        start = end
    }
    return chunks
}

/// Exact JSON equality: strings compared by Unicode scalars (not canonical equivalence),
/// object members compared regardless of order.
func exactlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(exactlyEqual)
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        for (key, value) in x.members {
            guard let other = y.members.first(where: { $0.0.unicodeScalars.elementsEqual(key.unicodeScalars) })?.1,
                  exactlyEqual(value, other) else { return false }
        }
        return true
    default: return a == b
    }
}
