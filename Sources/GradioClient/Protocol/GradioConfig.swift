/// The parts of a Gradio app's `/config` this client uses.
public struct GradioConfig: Sendable {
    public var version: String?
    /// `sse_v1` … `sse_v3`, or `sse`/`ws` for versions this client does not speak.
    public var protocolName: String
    /// `/gradio_api` on Gradio 5 and later; empty on 4.x.
    public var apiPrefix: String
    public var dependencies: [Dependency]

    public struct Dependency: Sendable {
        public var fnIndex: Int
        public var apiName: String?
        public var triggerID: Int?
    }

    public init(version: String?, protocolName: String, apiPrefix: String, dependencies: [Dependency]) {
        self.version = version
        self.protocolName = protocolName
        self.apiPrefix = apiPrefix
        self.dependencies = dependencies
    }

    public init(json: JSONValue) throws {
        guard case .object(let object) = json else { throw GradioProtocolError("config is not a JSON object") }
        version = object["version"]?.stringValue
        let prefix = object["api_prefix"]?.stringValue ?? ""
        apiPrefix = prefix == "/" ? "" : (prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        protocolName = object["protocol"]?.stringValue ?? Self.protocolForUnlabelledVersion(version)
        var dependencies: [Dependency] = []
        for (position, dependency) in (object["dependencies"]?.arrayValue ?? []).enumerated() {
            let apiName: String? = switch dependency["api_name"] {
            case .string(let name)?: name
            default: nil
            }
            // `targets` is [[id, "event"], ...] on 4.x+; older configs list bare ids.
            let firstTarget = dependency["targets"]?[0]
            let triggerID = firstTarget?[0]?.intValue ?? firstTarget?.intValue
            dependencies.append(Dependency(
                fnIndex: dependency["id"]?.intValue ?? position,
                apiName: apiName,
                triggerID: triggerID
            ))
        }
        self.dependencies = dependencies
    }

    /// Gradio before 4.x put no `protocol` in its config; those versions speak websockets.
    static func protocolForUnlabelledVersion(_ version: String?) -> String {
        guard let major = version?.split(separator: ".").first.flatMap({ Int($0) }) else { return "unknown" }
        return major < 4 ? "ws" : "sse"
    }

    public static let supportedProtocols: Set<String> = ["sse_v1", "sse_v2", "sse_v2.1", "sse_v3"]

    public var isSupported: Bool { Self.supportedProtocols.contains(protocolName) }

    /// Whether `process_generating` carries edit ops after the first message.
    public var sendsDiffs: Bool { protocolName != "sse_v1" }

    public func dependency(named apiName: String) -> Dependency? {
        let bare = apiName.hasPrefix("/") ? String(apiName.dropFirst()) : apiName
        return dependencies.first { $0.apiName == bare }
    }
}
