import GradioClient

/// What the Hugging Face Hub says a Space is doing: its Space API's `runtime.stage`
/// (`GET $HF_ENDPOINT/api/spaces/Owner/Name`), read into the cases qwen-chat acts on.
public enum SpaceState: Sendable, Equatable {
    /// RUNNING, RUNNING_BUILDING, RUNNING_APP_STARTING: the app is up.
    case running
    /// SLEEPING: a request to its host wakes it.
    case sleeping
    /// BUILDING or APP_STARTING: it will answer once done.
    case starting(stage: String)
    /// PAUSED or STOPPED by its owner.
    case paused(stage: String)
    /// RUNTIME_ERROR, BUILD_ERROR, CONFIG_ERROR, NO_APP_FILE, with the Hub's `errorMessage`.
    case failed(stage: String, message: String?)
    /// A hardware is requested but none is assigned.
    case noHardware(requested: String)
    case deleting
    /// 401 or 404 from the Hub: no such Space, or a private one.
    case notFound(status: Int)
    /// The Hub could not be asked, or its answer could not be read: why.
    case unknown(String)

    /// Reads the Hub's answer.
    public init(hubStatus status: Int, body: [UInt8]) {
        if status == 401 || status == 403 || status == 404 {
            self = .notFound(status: status)
            return
        }
        guard status == 200, let json = try? JSONValue.parse(body), let runtime = json["runtime"], runtime.objectValue != nil else {
            self = .unknown("the Hub answered HTTP \(status) without a runtime")
            return
        }
        let stage = runtime["stage"]?.stringValue?.uppercased()
        let hardware = runtime["hardware"]
        let current = hardware?["current"]?.stringValue
        let requested = hardware?["requested"]?.stringValue
        // `current` is null whenever the Space is not running (asleep, paused, stopped), so a
        // missing hardware only explains a Space said to run (or given no stage) that has none.
        if current == nil, let requested, stage == nil || ["RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"].contains(stage!) {
            self = .noHardware(requested: requested)
            return
        }
        switch stage {
        case "RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING": self = .running
        case "SLEEPING": self = .sleeping
        case "BUILDING", "APP_STARTING": self = .starting(stage: stage!)
        case "PAUSED", "STOPPED": self = .paused(stage: stage!)
        case "RUNTIME_ERROR", "BUILD_ERROR", "CONFIG_ERROR", "NO_APP_FILE":
            let message = runtime["errorMessage"]?.stringValue.map { $0.trimmingWhitespace() }
            self = .failed(stage: stage!, message: message?.isEmpty == false ? message : nil)
        case "DELETING": self = .deleting
        case let other?: self = .unknown("the Hub says the Space's stage is \(oneLine(other, limit: 40))")
        case nil: self = .unknown("the Hub's answer has no runtime stage")
        }
    }
}
