/// One message of Gradio's queue data stream (`data: {"msg": ...}`).
public struct GradioMessage: Sendable {
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
    /// The edit ops of a `process_generating` diff, when they were decoded straight from the
    /// wire (see `init(bytes:eventID:expectingEdits:)`); `output` then has no `data`.
    public var edits: [[EditOperation]]?

    public init(kind: Kind, eventID: String?) {
        self.kind = kind
        self.eventID = eventID
    }

    /// Decodes one SSE `data` payload from its parsed JSON.
    public init(json: JSONValue) throws {
        guard case .object(let object) = json else {
            throw GradioProtocolError("event without a 'msg' field")
        }
        try self.init(field: { object[$0.name.description] })
    }

    /// Builds a message from its top-level members, however they were read.
    init(field: (Field) -> JSONValue?) throws {
        guard let msg = field(.msg)?.stringValue else {
            throw GradioProtocolError("event without a 'msg' field")
        }
        eventID = field(.eventID)?.stringValue
        let success = field(.success)?.boolValue ?? true
        switch msg {
        case "estimation":
            kind = .estimation(
                rank: field(.rank)?.intValue,
                queueSize: field(.queueSize)?.intValue,
                rankETA: field(.rankETA)?.doubleValue
            )
        case "process_starts":
            kind = .processStarts(eta: field(.eta)?.doubleValue)
        case "process_generating":
            kind = .processGenerating(output: field(.output) ?? .null, success: success)
        case "process_completed":
            kind = .processCompleted(output: field(.output) ?? .null, success: success)
        case "log":
            kind = .log(level: field(.level)?.stringValue, message: field(.log)?.stringValue ?? "")
        case "progress":
            kind = .progress(field(.progressData) ?? .null)
        case "heartbeat":
            kind = .heartbeat
        case "unexpected_error":
            kind = .unexpectedError(message: field(.message)?.stringValue)
        case "close_stream":
            kind = .closeStream
        default:
            kind = .unknown(msg)
        }
    }

    /// The top-level members a message is built from.
    enum Field: CaseIterable {
        case msg, eventID, success, rank, queueSize, rankETA, eta, level, log, progressData, message, output

        var name: StaticString {
            switch self {
            case .msg: "msg"
            case .eventID: "event_id"
            case .success: "success"
            case .rank: "rank"
            case .queueSize: "queue_size"
            case .rankETA: "rank_eta"
            case .eta: "eta"
            case .level: "level"
            case .log: "log"
            case .progressData: "progress_data"
            case .message: "message"
            case .output: "output"
            }
        }
    }
}

/// The stream broke Gradio's protocol (for example an event that is not JSON).
public struct GradioProtocolError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
