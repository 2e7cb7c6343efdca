import GradioClient

/// The chat endpoint qwen-chat talks to on a Space: found from the Space's config by signature,
/// or the Qwen2.5 preset when the config cannot be read or lists no components.
public struct SpaceEndpoint: Sendable {
    /// The config as read; nil when the Space gave none.
    public var config: GradioConfig?
    public var chat: ChatEndpoint
    /// Why the preset was taken, worth one note to the user.
    public var note: String?

    public init(config: GradioConfig?, chat: ChatEndpoint, note: String? = nil) {
        self.config = config
        self.chat = chat
        self.note = note
    }

    /// - Parameters:
    ///   - info: the Space's `{api_prefix}/info`, when it serves one.
    ///   - apiName: `--api-name`: this endpoint instead of the discovered one.
    /// - Throws: `GradioError(.endpointNotFound)` when the Space has no chat endpoint.
    ///   - presetAllowed: whether a Space with no usable config gets the Qwen2.5 preset (only
    ///     the Qwen2.5 Space's own host: an unknown app must not be sent Qwen's layout).
    public static func choose(_ answer: ConfigAnswer, info: JSONValue? = nil, apiName: String?, presetAllowed: Bool = true) throws(GradioError) -> SpaceEndpoint {
        let named = apiName.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        let wantsPreset = named == nil || named == QwenSpace.apiName
        switch answer {
        case .unavailable(let reason):
            guard wantsPreset else {
                throw GradioError(.endpointNotFound, "\(reason), so the endpoint '\(oneLine(named!, limit: 60))' cannot be found")
            }
            guard presetAllowed else {
                throw GradioError(.endpointNotFound, "\(reason); is this a Gradio app? (--describe shows what it serves)")
            }
            let preset = QwenSpace.preset()
            return SpaceEndpoint(config: nil, chat: preset, note: "\(reason); using fn_index \(preset.endpoint.fnIndex)")
        case .config(let config):
            do {
                var chat = try ChatEndpoint.discover(in: config, info: info, apiName: named)
                // A model radio with no choices of its own on the Qwen2.5 Space: today's list.
                if chat.endpoint.apiName == QwenSpace.apiName, chat.modelChoices == [],
                   let index = chat.inputs.firstIndex(where: { if case .model = $0.role { true } else { false } }) {
                    chat.inputs[index].role = .model(choices: QwenSpace.modelSizes)
                }
                return SpaceEndpoint(config: config, chat: chat)
            } catch {
                // A config naming `model_chat` without its components: the known layout.
                if wantsPreset, let dependency = config.dependency(named: QwenSpace.apiName) {
                    return SpaceEndpoint(config: config, chat: QwenSpace.preset(fnIndex: dependency.fnIndex, triggerID: dependency.triggerID))
                }
                throw error
            }
        }
    }

    /// The model value to send for a requested size: the Space's spelling of it, nil for the
    /// Space's own default.
    /// - Throws: a one-line message when the Space does not offer it or has no model input.
    public func model(for requested: String) throws(ModelError) -> String {
        guard let choices = chat.modelChoices else {
            throw ModelError("this Space's chat endpoint has no model choice; leave out --model")
        }
        guard let model = chat.canonicalModel(requested) else {
            throw ModelError("unknown model size '\(requested)'; choose one of \(choices.joined(separator: " "))")
        }
        return model
    }

    public struct ModelError: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// What `--describe` and `/info` show: version, protocol, endpoint, each input and how it
    /// is filled, the choices the Space offers.
    public var description: String {
        var lines: [String] = []
        if let config {
            lines.append("gradio: \(config.version ?? "unknown version"), protocol \(config.protocolName)" + (config.apiPrefix.isEmpty ? "" : ", api prefix \(config.apiPrefix)"))
        } else {
            lines.append("gradio: no config (\(note ?? "not read")); the Qwen2.5 preset")
        }
        lines.append("endpoint: /\(chat.endpoint.apiName) (fn_index \(chat.endpoint.fnIndex), \(chat.shape.rawValue)); reply from output \(chat.replyOutputIndex) (\(chat.replyOutputType))")
        if let toggle = chat.thinkingSwitch {
            lines.append("thinking switch: /\(toggle.apiName) (fn_index \(toggle.fnIndex)), flipped in the turn's session by /think off")
        }
        if chat.conversationInSession {
            lines.append("conversation: kept in the Space's session; each turn is a fresh session, with /context on one session for the conversation")
        }
        lines.append("inputs:")
        for (index, input) in chat.inputs.enumerated() {
            let name = input.type + (input.label.map { " \"\(Self.shortLabel($0))\"" } ?? "")
                + (input.parameterName.map { " (\($0))" } ?? "")
            lines.append("  \(index) \(name): \(Self.filling(input, in: chat))")
        }
        return lines.joined(separator: "\n")
    }

    static func filling(_ input: ChatEndpoint.Input, in chat: ChatEndpoint) -> String {
        switch input.role {
        case .message: return "the message"
        case .history:
            guard let format = chat.historyFormat else { return "history, sent empty (the server keeps it; no event sets it)" }
            let primer = chat.historyPrimer.map { ", set first through fn_index \($0.fnIndex)" } ?? ""
            return "history, sent empty; with --context the earlier turns (\(format.rawValue)\(primer))"
        case .systemPrompt: return "the system prompt (--system)"
        case .model(let choices):
            let shownDefault = input.defaultValue.stringValue.map { ", default \($0)" } ?? ""
            return "the model (--model)\(shownDefault); choices: \(choices.isEmpty ? "none listed" : choices.joined(separator: " "))"
        case .form(let form):
            var members: [String] = []
            if let key = form.systemKey { members.append("\(key): the system prompt (--system)") }
            if let key = form.modelKey {
                let shownDefault = input.defaultValue[key]?.stringValue.map { ", default \($0)" } ?? ""
                members.append("\(key): the model (--model)\(shownDefault); choices: \(form.modelChoices.joined(separator: " "))")
            }
            for key in input.defaultValue.objectValue?.keys ?? [] where key != form.systemKey && key != form.modelKey {
                members.append("\(key): default \(Self.shortLabel(input.defaultValue[key]?.jsonText ?? "null"))" + (key == form.budgetKey ? " (/think budget N)" : ""))
            }
            return "a settings form: " + members.joined(separator: "; ")
        case .slider(let minimum, let maximum, let step):
            var range = ""
            if let minimum, let maximum { range = " (\(Self.number(minimum)) to \(Self.number(maximum))" + (step.map { ", step \(Self.number($0))" } ?? "") + ")" }
            return "default \(input.defaultValue.jsonText)\(range)"
        case .fixed:
            return "default \(Self.shortLabel(input.defaultValue.jsonText))"
        }
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// One line, at most 60 characters, its controls shown (never cut inside a sequence).
    static func shortLabel(_ text: String) -> String {
        oneLine(text, limit: 59)
    }
}
