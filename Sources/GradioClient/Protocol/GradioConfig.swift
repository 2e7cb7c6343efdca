/// The parts of a Gradio app's `/config` this client uses.
public struct GradioConfig: Sendable {
    public var version: String?
    /// `sse_v1` … `sse_v3`, or `sse`/`ws` for versions this client does not speak.
    public var protocolName: String
    /// `/gradio_api` on Gradio 5 and later; empty on 4.x.
    public var apiPrefix: String
    public var dependencies: [Dependency]
    /// The app's components by id, for reading what an endpoint's inputs and outputs are.
    public var components: [Int: Component]

    public struct Dependency: Sendable {
        public var fnIndex: Int
        public var apiName: String?
        public var triggerID: Int?
        /// Component ids, in the order of the request's `data` and the reply's outputs.
        public var inputs: [Int] = []
        public var outputs: [Int] = []
        /// False for events Gradio hides from its API page (`show_api: false`,
        /// `api_visibility` other than `public`) or that run no Python function.
        public var isPublic = true
        /// False for events a join cannot run: no Python function (`backend_fn: false`) or
        /// `api_visibility: "private"` (6.x); hidden ones (`show_api: false`, "undocumented") can.
        public var isCallable = true

        public init(fnIndex: Int, apiName: String?, triggerID: Int?, inputs: [Int] = [], outputs: [Int] = [], isPublic: Bool = true, isCallable: Bool = true) {
            self.fnIndex = fnIndex
            self.apiName = apiName
            self.triggerID = triggerID
            self.inputs = inputs
            self.outputs = outputs
            self.isPublic = isPublic
            self.isCallable = isCallable
        }
    }

    /// One component as the config describes it: only what endpoint discovery reads.
    public struct Component: Sendable, Equatable {
        public var id: Int
        /// `textbox`, `chatbot`, `state`, `radio`, `dropdown`, `slider`, … (lower case).
        public var type: String
        public var label: String?
        /// The values a radio or dropdown offers (the value of `[label, value]` pairs).
        public var choices: [String]
        /// The component's initial value, sent for inputs the client does not fill.
        public var value: JSONValue?
        public var minimum: Double?
        public var maximum: Double?
        public var step: Double?
        /// A chatbot's `type` prop on 4.x/5.x (`tuples` or `messages`); absent on 6.x.
        public var chatbotFormat: String?

        public init(id: Int, type: String, label: String? = nil, choices: [String] = [], value: JSONValue? = nil,
                    minimum: Double? = nil, maximum: Double? = nil, step: Double? = nil, chatbotFormat: String? = nil) {
            self.id = id
            self.type = type
            self.label = label
            self.choices = choices
            self.value = value
            self.minimum = minimum
            self.maximum = maximum
            self.step = step
            self.chatbotFormat = chatbotFormat
        }
    }

    public init(version: String?, protocolName: String, apiPrefix: String, dependencies: [Dependency], components: [Int: Component] = [:]) {
        self.version = version
        self.protocolName = protocolName
        self.apiPrefix = apiPrefix
        self.dependencies = dependencies
        self.components = components
    }

    /// What an app that serves no config is taken to speak: the newest protocol, at its root.
    public static let unknownApp = GradioConfig(version: nil, protocolName: "sse_v3", apiPrefix: "", dependencies: [])

    public init(json: JSONValue) throws {
        guard case .object(let object) = json else { throw GradioProtocolError("config is not a JSON object") }
        version = object["version"]?.stringValue
        let prefix = object["api_prefix"]?.stringValue ?? ""
        apiPrefix = prefix == "/" ? "" : (prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        // Request URLs are the root and this prefix: anything but a plain path could point
        // them (with the token and the user's messages) at another host.
        guard Self.isPlainPath(apiPrefix) else {
            throw GradioError(.unsafeConfig, "the app's config gives an API prefix that is not a plain path (\(oneLine(prefix, limit: 60))); nothing was sent there")
        }
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
            let visibility = dependency["api_visibility"]?.stringValue
            let isPublic = dependency["backend_fn"] != .bool(false)
                && dependency["show_api"] != .bool(false)
                && (visibility == nil || visibility == "public")
            dependencies.append(Dependency(
                fnIndex: dependency["id"]?.intValue ?? position,
                apiName: apiName,
                triggerID: triggerID,
                inputs: (dependency["inputs"]?.arrayValue ?? []).compactMap(\.intValue),
                outputs: (dependency["outputs"]?.arrayValue ?? []).compactMap(\.intValue),
                isPublic: isPublic,
                isCallable: dependency["backend_fn"] != .bool(false) && visibility != "private"
            ))
        }
        self.dependencies = dependencies
        var components: [Int: Component] = [:]
        for component in object["components"]?.arrayValue ?? [] {
            guard let id = component["id"]?.intValue else { continue }
            let props = component["props"]
            // Choices are `[label, value]` pairs on 4.x and later, bare values before; a
            // modelscope select lists `options` as `{label, value}` objects.
            let choices: [String] = (props?["choices"]?.arrayValue ?? props?["options"]?.arrayValue ?? []).compactMap { choice in
                if case .array(let pair) = choice { return pair.count > 1 ? pair[1].choiceText : pair.first?.choiceText }
                if case .object(let option) = choice { return option["value"]?.choiceText }
                return choice.choiceText
            }
            components[id] = Component(
                id: id,
                type: (component["type"]?.stringValue ?? "").lowercased(),
                label: props?["label"]?.stringValue,
                choices: choices,
                value: props?["value"],
                minimum: props?["minimum"]?.doubleValue,
                maximum: props?["maximum"]?.doubleValue,
                step: props?["step"]?.doubleValue,
                chatbotFormat: props?["type"]?.stringValue
            )
        }
        self.components = components
    }

    /// Empty, or `/segment` repeated: letters, digits and `-._~`, no `.` or `..` segments.
    static func isPlainPath(_ path: String) -> Bool {
        guard !path.isEmpty else { return true }
        guard path.hasPrefix("/") else { return false }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.utf8.allSatisfy { byte in
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
                }
        }
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

    public func component(_ id: Int) -> Component? { components[id] }

    /// The major version (`4` of `4.44.1`), nil when the config does not say.
    public var majorVersion: Int? { version?.split(separator: ".").first.flatMap { Int($0) } }

    public func dependency(named apiName: String) -> Dependency? {
        let bare = apiName.hasPrefix("/") ? String(apiName.dropFirst()) : apiName
        return dependencies.first { $0.apiName == bare }
    }
}

private extension JSONValue {
    /// A choice's value as text: strings as they are, numbers as written.
    var choiceText: String? {
        switch self {
        case .string(let text): text
        case .number: jsonText
        default: nil
        }
    }
}
