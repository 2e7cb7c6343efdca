import Foundation
import TestSupport
import Testing
@testable import ChatCore
import GradioClient


/// Real captures from our Gradio 4/5/6 servers, copied from `harness/captures/`. They are
/// read from the source tree (the target declares no resources).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func text(_ name: String) -> String {
        let url = directory.appendingPathComponent(name + ".txt")
        guard let data = FileManager.default.contents(atPath: url.path) else { fatalError("missing fixture \(url.path)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The SSE body: lines from the first `data: ` line up to the next `###` heading or EOF.
    static func body(_ name: String) -> [UInt8] {
        var lines = text(name).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.firstIndex(where: { $0.hasPrefix("data: ") }) else { return [] }
        var out = ""
        for line in lines[first...] {
            if line.hasPrefix("###") { break }
            out += line + "\n"
        }
        return Array(out.utf8)
    }

    /// The capture's messages, through the library's own SSE parser and message decoder.
    static func messages(_ name: String) throws -> [GradioMessage] {
        var parser = ServerSentEventParser()
        return try parser.feed(body(name)).map { try GradioMessage(json: JSONValue.parse($0.data)) }
    }
}
