/// One message of Gradio's queue data stream (`data: {"msg": ...}`).
public struct GradioMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Queue position: `rank` is 0-based; `rankETA` in seconds when the server knows it.
        case estimation(rank: Int?, queueSize: Int?, rankETA: Double?)
        case processStarts(eta: Double?)
        /// `output.data` holds full values (the first message of an event, or `sse_v1`) or,
        /// per output, a list of edit ops.
        case processGenerating(output: JSONValue, success: Bool)
        case processCompleted(output: JSONValue, success: Bool)
        case log(level: String?, message: String)
        case progress(JSONValue)
        case heartbeat
        case unexpectedError(message: String?)
        case closeStream
        /// A message this client does not know; ignored, as new Gradio versions add some.
        case unknown(String)
    }

    public var kind: Kind
    public var eventID: String?

    public init(kind: Kind, eventID: String?) {
        self.kind = kind
        self.eventID = eventID
    }

    /// Decodes one SSE `data` payload: the whole JSON text is parsed, then the message is read
    /// from it. A streamed token's message holds its edit ops, not the reply, so this costs the
    /// same for the last token of a long reply as for the first.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) throws {
        try self.init(json: JSONValue.parse(bytes))
    }

    /// Reads a message from its parsed JSON.
    public init(json: JSONValue) throws {
        guard case .object(let object) = json, let msg = object["msg"]?.stringValue else {
            throw GradioProtocolError("event without a 'msg' field")
        }
        eventID = object["event_id"]?.stringValue
        // Only `true` is success (`"false"`, a string, is not); absent counts as true, as in
        // Gradio's own clients.
        let success = object["success"].map { $0 == .bool(true) } ?? true
        switch msg {
        case "estimation":
            kind = .estimation(
                rank: object["rank"]?.intValue,
                queueSize: object["queue_size"]?.intValue,
                rankETA: object["rank_eta"]?.doubleValue
            )
        case "process_starts":
            kind = .processStarts(eta: object["eta"]?.doubleValue)
        case "process_generating":
            kind = .processGenerating(output: object["output"] ?? .null, success: success)
        case "process_completed":
            kind = .processCompleted(output: object["output"] ?? .null, success: success)
        case "log":
            kind = .log(level: object["level"]?.stringValue, message: object["log"]?.stringValue ?? "")
        case "progress":
            kind = .progress(object["progress_data"] ?? .null)
        case "heartbeat":
            kind = .heartbeat
        case "unexpected_error":
            kind = .unexpectedError(message: object["message"]?.stringValue)
        case "close_stream":
            kind = .closeStream
        default:
            kind = .unknown(msg)
        }
    }
}

/// The stream broke Gradio's protocol (for example an event that is not JSON).
public struct GradioProtocolError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
