extension GradioMessage {
    /// Decodes one SSE `data` payload straight from its bytes.
    ///
    /// A streaming reply is one message per token, so this is the client's cost per token. It
    /// builds only the members the client reads and checks the rest as JSON without building
    /// them (durations, render config, ...); `output` keeps only `data` and `error`. Invalid
    /// JSON is rejected as `JSONValue.parse` rejects it.
    /// - Parameters:
    ///   - eventID: the id this client expects; a matching `event_id` shares its storage
    ///     instead of allocating a copy per message.
    ///   - expectingEdits: the job already has its outputs, so a `process_generating`
    ///     message's `output.data` should be edit-op lists: they are read straight into
    ///     `edits` when they have that shape (and `msg` came first, as Gradio writes it).
    public init<Bytes: Collection<UInt8>>(bytes: Bytes, eventID expected: String? = nil, expectingEdits: Bool = false) throws {
        var memo = EditPathMemo()
        if let decoded = try bytes.withContiguousStorageIfAvailable({
            try GradioMessage(buffer: $0, expected: expected, expectingEdits: expectingEdits, memo: &memo)
        }) {
            self = decoded
        } else {
            self = try Array(bytes).withUnsafeBufferPointer {
                try GradioMessage(buffer: $0, expected: expected, expectingEdits: expectingEdits, memo: &memo)
            }
        }
    }

    init(buffer: UnsafeBufferPointer<UInt8>, expected: String?, expectingEdits: Bool, memo: inout EditPathMemo) throws {
        var parser = JSONParser(buffer)
        parser.skipWhitespace()
        guard parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") else {
            _ = try JSONValue.parse(buffer)
            throw GradioProtocolError("event without a 'msg' field")
        }
        var members = Members()
        try parser.readMembers { parser, name in
            guard let field = Field(name: name) else { return try parser.skipValue() }
            switch field {
            case .output:
                // Only a generating message's data can be edits (a completed one holds values).
                let edits = expectingEdits && members.msg?.stringValue == "process_generating"
                members.edits = nil
                members.output = try parser.parseOutput(expectingEdits: edits, edits: &members.edits, memo: &memo)
            case .msg:
                members.msg = try parser.parseValue(interning: Self.messageNames)
            case .eventID:
                members.eventID = try parser.parseValue(interning: expected.map { [$0] } ?? [])
            case .success:
                members.success = try parser.parseValue()
            default:
                let value = try parser.parseValue()
                members.others.removeAll { $0.0 == field }
                members.others.append((field, value))
            }
        }
        parser.skipWhitespace()
        guard parser.position == buffer.count else { throw parser.error("unexpected data after the value") }
        if members.edits != nil, members.msg?.stringValue != "process_generating" {
            // A later `msg` made this another kind of message: its data is a value after all.
            try self.init(buffer: buffer, expected: expected, expectingEdits: false, memo: &memo)
            return
        }
        try self.init(field: members.value)
        edits = members.edits
    }

    private static let messageNames = [
        "estimation", "process_starts", "process_generating", "process_completed", "log", "progress",
        "heartbeat", "unexpected_error", "close_stream",
    ]

    /// The members read so far; the ones every message carries get their own slots.
    private struct Members {
        var msg: JSONValue?
        var eventID: JSONValue?
        var success: JSONValue?
        var output: JSONValue?
        var edits: [[EditOperation]]?
        var others: [(Field, JSONValue)] = []

        func value(_ field: Field) -> JSONValue? {
            switch field {
            case .msg: msg
            case .eventID: eventID
            case .success: success
            case .output: output
            default: others.first { $0.0 == field }?.1
            }
        }
    }
}

extension GradioMessage.Field {
    /// The field a member name stands for, matched on its bytes.
    init?(name: UnsafeBufferPointer<UInt8>) {
        let candidate: Self
        switch (name.count, name.first ?? 0) {
        case (3, UInt8(ascii: "m")): candidate = .msg
        case (3, UInt8(ascii: "e")): candidate = .eta
        case (3, UInt8(ascii: "l")): candidate = .log
        case (4, _): candidate = .rank
        case (5, _): candidate = .level
        case (6, _): candidate = .output
        case (7, UInt8(ascii: "s")): candidate = .success
        case (7, UInt8(ascii: "m")): candidate = .message
        case (8, UInt8(ascii: "e")): candidate = .eventID
        case (8, UInt8(ascii: "r")): candidate = .rankETA
        case (10, _): candidate = .queueSize
        case (13, _): candidate = .progressData
        default: return nil
        }
        guard JSONParser.matches(name, candidate.name) else { return nil }
        self = candidate
    }
}

extension JSONParser {
    /// A message's `output`: only `data` and `error` are built; `data` goes to `edits` instead
    /// when edit ops are expected and it has their shape.
    fileprivate mutating func parseOutput(
        expectingEdits: Bool, edits: inout [[EditOperation]]?, memo: inout EditPathMemo
    ) throws -> JSONValue {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return try parseValue() }
        var object = JSONObject()
        try readMembers { parser, name in
            if JSONParser.matches(name, "data") {
                if expectingEdits, let lists = parser.parseEditLists(memo: &memo) {
                    edits = lists
                    object["data"] = nil
                } else {
                    edits = nil
                    object["data"] = try parser.parseValue()
                }
            } else if JSONParser.matches(name, "error") {
                object["error"] = try parser.parseValue()
            } else {
                try parser.skipValue()
            }
        }
        return .object(object)
    }
}
