#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension GradioMessage {
    /// Reads the message nearly every streamed token is, in one pass that builds nothing but
    /// its edit ops:
    /// `{"msg":"process_generating","event_id":<eventID>,"output":{"data":<edit lists>,…},"success":true}`.
    ///
    /// Returns nil for anything else — another member order, a member that matters in an
    /// unusual place, a failure, invalid JSON — and the caller decodes the message in full, so
    /// this changes the cost of a token, never the result.
    init?(streamedDiff buffer: UnsafeBufferPointer<UInt8>, prefix: StreamedDiffPrefix, memo: inout EditPathMemo) {
        guard let edits = Self.readStreamedDiff(buffer, prefix: prefix, data: { $0.parseEditLists(memo: &memo) }) else {
            return nil
        }
        kind = .processGenerating(output: .object(JSONObject()), success: true)
        self.eventID = prefix.eventID
        self.edits = edits
    }

    /// Reads a streamed token that is one string append to one of `outputs` outputs, in the
    /// same message shape, appending the string's UTF-8 to `text` (nothing is built for it).
    /// Returns the output's index, the op's path and where the string is; nil, with `text` as
    /// it was, for any other message.
    static func streamedStringAppend(
        _ buffer: UnsafeBufferPointer<UInt8>,
        prefix: StreamedDiffPrefix,
        outputs: Int,
        memo: inout EditPathMemo,
        text: inout [UInt8]
    ) -> StringAppend? {
        let startCount = text.count
        let found = readStreamedDiff(buffer, prefix: prefix) { $0.readStringAppend(outputs: outputs, memo: &memo, text: &text) }
        if found == nil, text.count != startCount { text.removeSubrange(startCount...) }
        return found
    }

    /// The message around a streamed diff, with `data` read by `data`.
    private static func readStreamedDiff<Data>(
        _ buffer: UnsafeBufferPointer<UInt8>,
        prefix: StreamedDiffPrefix,
        data readData: (inout JSONParser) -> Data?
    ) -> Data? {
        var parser = JSONParser(buffer)
        // The bytes Gradio writes up to `data` are the same in every token: when they are
        // there, one comparison stands for reading them member by member.
        if let length = prefix.length(in: buffer) {
            parser.position = length
        } else {
            guard parser.consume(UInt8(ascii: "{")),
                  parser.consumeMemberName("msg"), parser.consumeString(known: "process_generating"),
                  parser.consume(UInt8(ascii: ",")),
                  parser.consumeMemberName("event_id"), parser.consumeString(prefix.eventID),
                  parser.consume(UInt8(ascii: ",")),
                  parser.consumeMemberName("output"), parser.consume(UInt8(ascii: "{")),
                  parser.consumeMemberName("data")
            else { return nil }
        }
        parser.skipWhitespace()
        // Nesting is counted as the full parser counts it: `data` sits in two objects.
        parser.depth = 2
        guard let data = readData(&parser),
              // The rest of `output`: nothing the client reads (`data` again, `error`) may follow.
              parser.skipOtherMembers(allowing: { name in
                  !JSONParser.matches(name, "data") && !JSONParser.matches(name, "error")
              })
        else { return nil }
        parser.depth = 1
        guard // The rest of the message: only members a generating message ignores, and success.
              parser.skipOtherMembers(allowing: { name in
                  !JSONParser.matches(name, "msg") && !JSONParser.matches(name, "event_id")
                      && !JSONParser.matches(name, "output")
              }, success: true)
        else { return nil }
        parser.skipWhitespace()
        guard parser.position == buffer.count else { return nil }
        return data
    }
}

extension GradioMessage {
    /// The same without a job's path memory (tests, fuzzing).
    init?(streamedDiff buffer: UnsafeBufferPointer<UInt8>, eventID: String) {
        var memo = EditPathMemo()
        self.init(streamedDiff: buffer, prefix: StreamedDiffPrefix(eventID: eventID), memo: &memo)
    }
}

extension JSONParser {
    /// Whitespace, then `byte`; false (position unspecified) otherwise.
    fileprivate mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// A string without escapes whose text is `known`.
    fileprivate mutating func consumeString(known: StaticString) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let found = plainStringBytes() else { return false }
        return JSONParser.matches(found, known)
    }

    /// A string without escapes whose text is `text`.
    fileprivate mutating func consumeString(_ text: String) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let found = plainStringBytes() else { return false }
        return JSONParser.matches(found, text: text)
    }

    /// `"name":`.
    fileprivate mutating func consumeMemberName(_ name: StaticString) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let found = plainStringBytes(),
              JSONParser.matches(found, name)
        else { return false }
        return consume(UInt8(ascii: ":"))
    }

    /// The members left in the current object and its closing brace, skipped; false when one
    /// is not `allowed`, is not valid JSON, or (when `success` is given) a `success` member
    /// has another value.
    fileprivate mutating func skipOtherMembers(allowing allowed: (UnsafeBufferPointer<UInt8>) -> Bool, success: Bool? = nil) -> Bool {
        while true {
            skipWhitespace()
            guard position < bytes.count else { return false }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return true
            }
            guard bytes[position] == UInt8(ascii: ","), consume(UInt8(ascii: ",")) else { return false }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let name = plainStringBytes(),
                  allowed(name), consume(UInt8(ascii: ":"))
            else { return false }
            skipWhitespace()
            if let success, JSONParser.matches(name, "success") {
                guard (try? parseValue()) == .bool(success) else { return false }
            } else {
                guard (try? skipValue()) != nil else { return false }
            }
        }
    }
}

/// What every token of one job starts with: `{"msg":"process_generating","event_id":"<id>",
/// "output":{"data":` as Gradio writes it (no spaces). Made once per job.
struct StreamedDiffPrefix: Sendable {
    let eventID: String
    /// Nil for an id that JSON would escape (then only the member-by-member reading applies).
    private let bytes: [UInt8]?

    init(eventID: String) {
        self.eventID = eventID
        let plain = !eventID.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        bytes = plain
            ? Array(#"{"msg":"process_generating","event_id":""#.utf8) + Array(eventID.utf8) + Array(#"","output":{"data":"#.utf8)
            : nil
    }

    /// The prefix's length when `buffer` starts with it.
    func length(in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let bytes, buffer.count > bytes.count, let base = buffer.baseAddress else { return nil }
        let same = bytes.withUnsafeBufferPointer { memcmp(base, $0.baseAddress!, $0.count) == 0 }
        return same ? bytes.count : nil
    }
}
