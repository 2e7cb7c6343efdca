import GradioClient
import TestSupport
import Testing

/// Streaming a long reply must not copy it per token: an `append` has to extend the string's
/// own buffer in place. Checked by buffer identity, not by timing.
@Suite("Edit ops mutate in place")
struct EditInPlaceTests {
    private func bufferAddress(of value: JSONValue, at path: [Int], key: String) -> UnsafeRawPointer? {
        var current = value
        for index in path { current = current[index]! }
        guard case .string(var text) = current[key]! else { return nil }
        return text.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    @Test("appending to the reply text reuses its buffer")
    func appendKeepsBuffer() throws {
        var text = String()
        text.reserveCapacity(1 << 20)
        text += "Echo"
        var outputs: [JSONValue] = [
            .string(""),
            .array([.array([.object(JSONObject([("text", .string("q"))])), .object(JSONObject([("text", .string(text))]))])]),
        ]
        text = ""
        let before = bufferAddress(of: outputs[1], at: [0, 1], key: "text")
        for _ in 0..<1000 {
            try outputs[1].apply([EditOperation(.append, [.index(0), .index(1), .key("text")], .string("tok"))])
        }
        let after = bufferAddress(of: outputs[1], at: [0, 1], key: "text")
        #expect(before != nil)
        #expect(before == after, "the reply's buffer was copied instead of extended in place")
        #expect(outputs[1][0]?[1]?["text"]?.stringValue?.utf8.count == 4 + 3000)
    }
}
