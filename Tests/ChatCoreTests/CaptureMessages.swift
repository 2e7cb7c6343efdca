import GradioClient
import TestSupport

extension Fixtures {
    /// A capture's messages, through the library's own SSE parser and message decoder.
    static func messages(_ relativePath: String) throws -> [GradioMessage] {
        var parser = ServerSentEventParser()
        return try parser.feed(Array(sseBody(ofCapture: text(relativePath)).utf8)).map { try GradioMessage(json: JSONValue.parse($0.data)) }
    }
}
