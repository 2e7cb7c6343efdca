import GradioClient

/// A chat function of a Gradio app and how to fill each of its inputs, found from the config
/// by signature (`ChatEndpoint.discover`) or given as a preset by the caller.
///
/// A request carries one message and, unless the caller passes earlier exchanges, an empty
/// history: the caller keeps the transcript.
public struct ChatEndpoint: Sendable, Equatable {
    /// The two common layouts of a chat function.
    public enum Shape: String, Sendable, Equatable {
        /// A Blocks event: a message textbox and a chatbot in, the chatbot (with the reply) out.
        case chatbot
        /// `gr.ChatInterface`'s API event: message and history state in, the reply itself out.
        case chatInterface = "chat interface"
    }

    /// How the client fills an input.
    public enum Role: Sendable, Equatable {
        case message
        /// Empty, or the earlier exchanges the caller passes, in `historyFormat`.
        case history
        case systemPrompt
        /// A radio or dropdown: the model choice, sent as the chosen value or the default.
        case model(choices: [String])
        /// Sent as its default value.
        case slider(minimum: Double?, maximum: Double?, step: Double?)
        /// A settings form whose value is an object (modelscope `antd.Form`, Qwen3-Demo's): the
        /// system prompt and the model are members of it; the rest keep their defaults.
        case form(Form)
        /// Any other component, sent as its default value.
        case fixed
    }

    /// Which members of a settings form's value are the system prompt and the model.
    public struct Form: Sendable, Equatable {
        public var systemKey: String?
        public var modelKey: String?
        /// The model's choices, from the select that offers the form's default model.
        public var modelChoices: [String]
        /// How long the model may think (Qwen3-Demo's `thinking_budget`, in units of 1024 tokens).
        public var budgetKey: String?

        public init(systemKey: String?, modelKey: String?, modelChoices: [String], budgetKey: String? = nil) {
            self.systemKey = systemKey
            self.modelKey = modelKey
            self.modelChoices = modelChoices
            self.budgetKey = budgetKey
        }
    }

    public struct Input: Sendable, Equatable {
        public var componentID: Int?
        public var type: String
        public var label: String?
        public var role: Role
        /// What is sent when the client does not fill it (the component's initial value).
        public var defaultValue: JSONValue
        /// The Python parameter's name, from `{api_prefix}/info` when the app serves it.
        public var parameterName: String?

        public init(componentID: Int?, type: String, label: String?, role: Role, defaultValue: JSONValue, parameterName: String? = nil) {
            self.componentID = componentID
            self.type = type
            self.label = label
            self.role = role
            self.defaultValue = defaultValue
            self.parameterName = parameterName
        }
    }

    public var endpoint: GradioEndpoint
    public var shape: Shape
    public var inputs: [Input]
    /// The output holding the reply: a chatbot value, or the reply text itself.
    public var replyOutputIndex: Int
    public var replyOutputType: String
    /// How earlier exchanges are written; nil when the endpoint cannot be given any (no
    /// history input, or a history state nothing can set).
    public var historyFormat: HistoryFormat?
    /// For a history `state` (`gr.ChatInterface`): the server ignores a state's value in a
    /// join and uses the session's, so earlier exchanges go first to this event, which copies
    /// a chatbot value into that state, in the same session.
    public var historyPrimer: GradioEndpoint?
    /// An event that flips a thinking on/off state of the session (Qwen3-Demo's button): the
    /// state can only change inside a session, so it is joined first in the turn's session.
    /// The Space starts with thinking on.
    public var thinkingSwitch: GradioEndpoint?
    /// The chat keeps its conversation in the session's state, with no history input
    /// (Qwen3-Demo's add_message): earlier turns are there when a turn joins the same session.
    public var conversationInSession: Bool

    public init(endpoint: GradioEndpoint, shape: Shape, inputs: [Input], replyOutputIndex: Int, replyOutputType: String,
                historyFormat: HistoryFormat? = nil, historyPrimer: GradioEndpoint? = nil, thinkingSwitch: GradioEndpoint? = nil,
                conversationInSession: Bool = false) {
        self.thinkingSwitch = thinkingSwitch
        self.conversationInSession = conversationInSession
        self.endpoint = endpoint
        self.shape = shape
        self.inputs = inputs
        self.replyOutputIndex = replyOutputIndex
        self.replyOutputType = replyOutputType
        self.historyFormat = historyFormat
        self.historyPrimer = historyPrimer
    }

    /// Whether earlier exchanges can be sent to this endpoint.
    public var takesHistory: Bool { historyFormat != nil }

    /// Whether a turn can carry the conversation (`/context on`): as a history, or by keeping
    /// one session for it.
    public var takesContext: Bool { takesHistory || conversationInSession }

    /// The model input's choices; nil when the endpoint has no model input.
    public var modelChoices: [String]? {
        for input in inputs {
            switch input.role {
            case .model(let choices): return choices
            case .form(let form) where form.modelKey != nil: return form.modelChoices
            default: continue
            }
        }
        return nil
    }

    /// The model the Space picks when the client sends none.
    public var defaultModel: String? {
        for input in inputs {
            switch input.role {
            case .model: return input.defaultValue.stringValue
            case .form(let form): if let key = form.modelKey { return input.defaultValue[key]?.stringValue }
            default: continue
            }
        }
        return nil
    }

    public var takesSystemPrompt: Bool {
        inputs.contains { input in
            if case .form(let form) = input.role { return form.systemKey != nil }
            return input.role == .systemPrompt
        }
    }

    /// Whether the system prompt input has a non-empty default of its own.
    public var hasSystemDefault: Bool { systemDefault != nil }

    /// What the Space uses for the model and system prompt nobody chose.
    public var spaceDefaults: ChatController.SpaceDefaults {
        ChatController.SpaceDefaults(model: defaultModel.flatMap { canonicalModel($0) ?? $0 }, systemPrompt: systemDefault, takesSystemPrompt: takesSystemPrompt)
    }

    /// The system prompt input's own default, when it has a non-empty one.
    public var systemDefault: String? {
        for input in inputs {
            let text: String?
            switch input.role {
            case .systemPrompt: text = input.defaultValue.stringValue
            case .form(let form): text = form.systemKey.flatMap { input.defaultValue[$0]?.stringValue }
            default: continue
            }
            if let text, !text.isEmpty { return text }
        }
        return nil
    }

    /// The join's `data`: the message, the history (`history`, oldest first, in the chatbot's
    /// format; empty for a state, which `primerData` fills), the system prompt and the model
    /// (nil: the Space's default) and every other input at its default.
    /// Whether a thinking budget can be set (a settings form with a budget member).
    public var takesThinkingBudget: Bool {
        inputs.contains { if case .form(let form) = $0.role { form.budgetKey != nil } else { false } }
    }

    public func requestData(message: String, systemPrompt: String?, model: String?, history: [ChatExchange] = [], thinkingBudget: Int? = nil) -> [JSONValue] {
        inputs.map { input in
            switch input.role {
            case .message: input.type == "multimodaltextbox" ? Self.multimodalMessage(message) : .string(message)
            case .history: historyPrimer == nil ? historyFormat?.value(of: history) ?? .array([]) : .array([])
            case .systemPrompt: systemPrompt.map { .string($0) } ?? input.defaultValue
            case .model: model.map { .string($0) } ?? input.defaultValue
            case .form(let form): Self.formValue(input.defaultValue, form, systemPrompt: systemPrompt, model: model, thinkingBudget: thinkingBudget)
            case .slider, .fixed: input.defaultValue
            }
        }
    }

    /// A settings form's value: its default with the system prompt and the model set.
    static func formValue(_ defaults: JSONValue, _ form: Form, systemPrompt: String?, model: String?, thinkingBudget: Int? = nil) -> JSONValue {
        var value = defaults.objectValue ?? JSONObject()
        if let key = form.systemKey, let systemPrompt { value[key] = .string(systemPrompt) }
        if let key = form.modelKey, let model { value[key] = .string(model) }
        if let key = form.budgetKey, let thinkingBudget { value[key] = .number(thinkingBudget) }
        return .object(value)
    }

    /// A multimodal textbox's value: the text, no files.
    static func multimodalMessage(_ text: String) -> JSONValue {
        var value = JSONObject()
        value["text"] = .string(text)
        value["files"] = .array([])
        return .object(value)
    }

    /// The `historyPrimer` join's `data` for `history`; nil when there is no primer or nothing to send.
    public func primerData(history: [ChatExchange]) -> [JSONValue]? {
        guard historyPrimer != nil, let historyFormat, !history.isEmpty else { return nil }
        return [historyFormat.value(of: history)]
    }

    /// The choice matching `name` case-insensitively, as the Space spells it.
    public func canonicalModel(_ name: String) -> String? {
        modelChoices?.first { $0.lowercased() == name.lowercased() }
    }
}

// MARK: - Discovery

extension ChatEndpoint {
    /// Finds the chat function in a config without being told its index.
    ///
    /// A candidate takes a message textbox and a chatbot and gives back a chatbot (a Blocks chat),
    /// or takes a message textbox and a history state and gives back the reply first
    /// (`gr.ChatInterface`). Public events are preferred; among them, the first in the config.
    /// - Parameters:
    ///   - info: the app's `{api_prefix}/info`, if read: its parameter names help find the
    ///     system prompt and are shown by `--describe`.
    ///   - apiName: take this endpoint instead (with or without the leading `/`).
    /// - Throws: `GradioError(.endpointNotFound)` with a one-line reason.
    public static func discover(in config: GradioConfig, info: JSONValue? = nil, apiName: String? = nil) throws(GradioError) -> ChatEndpoint {
        if let apiName {
            guard let dependency = config.dependency(named: apiName) else {
                let names = config.dependencies.filter(\.isPublic).compactMap(\.apiName)
                throw GradioError(.endpointNotFound, "the app has no endpoint '\(apiName)'" + (names.isEmpty ? "" : "; its endpoints: \(names.joined(separator: ", "))"))
            }
            guard let found = describe(dependency, in: config, info: info, requireSignature: false) else {
                throw GradioError(.endpointNotFound, "the endpoint '\(apiName)' is not a chat function (it needs a message textbox in and a chatbot or text out)")
            }
            return found
        }
        let candidates = config.dependencies.filter(\.isPublic) + config.dependencies.filter { !$0.isPublic }
        for dependency in candidates {
            if let found = describe(dependency, in: config, info: info, requireSignature: true) { return found }
        }
        // Then a message in and a chatbot out with no history in: the conversation lives in
        // the Space's session state (Qwen3-Demo's add_message).
        for dependency in candidates {
            if let found = describe(dependency, in: config, info: info, requireSignature: true, historyInState: true) { return found }
        }
        throw GradioError(.endpointNotFound, "found no chat endpoint (a message textbox and a chatbot in, a chatbot or the reply out) in the app's config; name one with --api-name")
    }

    /// Maps one dependency's inputs and outputs to roles; nil when it is not a chat function.
    /// - Parameter historyInState: accept a chatbot output with no chatbot input.
    static func describe(_ dependency: GradioConfig.Dependency, in config: GradioConfig, info: JSONValue?, requireSignature: Bool,
                         historyInState: Bool = false) -> ChatEndpoint? {
        let components = dependency.inputs.map { config.component($0) ?? GradioConfig.Component(id: $0, type: "unknown") }
        let outputs = dependency.outputs.map { config.component($0) ?? GradioConfig.Component(id: $0, type: "unknown") }
        let names = parameterNames(dependency, components: components, info: info)
        func isSystem(_ index: Int) -> Bool {
            components[index].label?.lowercased().contains("system") == true || names[index]?.lowercased().contains("system") == true
        }

        guard let messageIndex = components.indices.first(where: { isMessageBox(components[$0].type) && !isSystem($0) }) else { return nil }
        let chatbotInput = components.firstIndex { isChatbot($0.type) }
        let chatbotOutput = outputs.firstIndex { $0.id == chatbotInput.map { components[$0].id } } ?? outputs.firstIndex { isChatbot($0.type) }
        let shape: Shape
        let historyIndex: Int?
        let replyIndex: Int
        var inSession = false
        if let chatbotInput, let chatbotOutput {
            shape = .chatbot
            historyIndex = chatbotInput
            replyIndex = chatbotOutput
        } else if historyInState, chatbotInput == nil, let chatbotOutput {
            shape = .chatbot
            historyIndex = nil
            replyIndex = chatbotOutput
            inSession = components.contains { $0.type == "state" }
        } else if components.indices.contains(messageIndex + 1), components[messageIndex + 1].type == "state",
                  chatbotOutput == nil, let first = outputs.first, ["textbox", "json", "markdown"].contains(first.type) {
            shape = .chatInterface
            historyIndex = messageIndex + 1
            replyIndex = 0
        } else if !requireSignature {
            // Named by the user: a message in, the reply in the first chatbot or text output.
            shape = chatbotOutput == nil ? .chatInterface : .chatbot
            historyIndex = chatbotInput
            guard let reply = chatbotOutput ?? outputs.firstIndex(where: { ["textbox", "json", "markdown"].contains($0.type) }) else { return nil }
            replyIndex = reply
        } else {
            return nil
        }

        let systemIndex = components.indices.first { $0 != messageIndex && components[$0].type == "textbox" && isSystem($0) }
            ?? components.indices.first { $0 != messageIndex && components[$0].type == "textbox" }
        // The model: a radio or dropdown labelled "model", else the first one.
        let isChoice = { (c: GradioConfig.Component) in c.type == "radio" || c.type == "dropdown" }
        let modelIndex = components.firstIndex { isChoice($0) && $0.label?.lowercased().contains("model") == true }
            ?? components.firstIndex(where: isChoice)
        // A settings form: the system prompt and the model are members of its value.
        let formIndex = components.indices.first { isForm(components[$0]) }
        let hasSystem = systemIndex != nil
        let inputs = components.enumerated().map { index, component -> Input in
            let role: Role = switch index {
            case messageIndex: .message
            case historyIndex: .history
            case systemIndex: .systemPrompt
            case modelIndex: .model(choices: modelChoices(component, in: config))
            case formIndex: .form(form(component, in: config, systemTaken: hasSystem, modelTaken: modelIndex != nil))
            default: component.type == "slider"
                ? .slider(minimum: component.minimum, maximum: component.maximum, step: component.step)
                : .fixed
            }
            return Input(componentID: component.id, type: component.type, label: component.label, role: role,
                         defaultValue: component.value ?? .null, parameterName: names[index])
        }
        var historyFormat: HistoryFormat?
        var historyPrimer: GradioEndpoint?
        if let historyIndex {
            if isChatbot(components[historyIndex].type) {
                historyFormat = HistoryFormat.of(components[historyIndex], in: config)
            } else if let (primer, chatbot) = primer(forState: components[historyIndex].id, in: config) {
                historyFormat = HistoryFormat.of(chatbot, in: config)
                historyPrimer = primer
            }
        }
        return ChatEndpoint(
            endpoint: endpoint(of: dependency),
            shape: shape,
            inputs: inputs,
            replyOutputIndex: replyIndex,
            replyOutputType: outputs[replyIndex].type,
            historyFormat: historyFormat,
            historyPrimer: historyPrimer,
            thinkingSwitch: thinkingSwitch(states: components.filter { $0.type == "state" }.map(\.id), in: config),
            conversationInSession: inSession
        )
    }

    static func endpoint(of dependency: GradioConfig.Dependency) -> GradioEndpoint {
        GradioEndpoint(apiName: dependency.apiName ?? "fn_index \(dependency.fnIndex)", fnIndex: dependency.fnIndex, triggerID: dependency.triggerID)
    }

    /// An event that takes only a chatbot and writes the history state: `gr.ChatInterface`
    /// on 5.x and 6.x has one (copying its chatbot into the API's history); 4.x has none.
    static func primer(forState stateID: Int, in config: GradioConfig) -> (GradioEndpoint, GradioConfig.Component)? {
        for dependency in config.dependencies where dependency.isCallable && dependency.inputs.count == 1 && dependency.outputs.contains(stateID) {
            if let chatbot = config.component(dependency.inputs[0]), isChatbot(chatbot.type) {
                return (endpoint(of: dependency), chatbot)
            }
        }
        return nil
    }

    static func isChatbot(_ type: String) -> Bool { type.contains("chatbot") }

    /// A message is typed into a textbox, into a multimodal one (`{text, files}`) as
    /// `gr.ChatInterface(multimodal=True)` and most vision chat Spaces have it, or into
    /// modelscope's `antdx.Sender` (Qwen3-Demo).
    static func isMessageBox(_ type: String) -> Bool { type == "textbox" || type == "multimodaltextbox" || type == "antdxsender" }

    /// A form component whose value is an object of settings.
    static func isForm(_ component: GradioConfig.Component) -> Bool {
        component.type.hasSuffix("form") && component.value?.objectValue != nil
    }

    /// The form's system prompt and model members: by name (`sys_prompt`, `system_prompt`,
    /// `model`), the model's choices from the select that offers the form's default model.
    static func form(_ component: GradioConfig.Component, in config: GradioConfig, systemTaken: Bool, modelTaken: Bool) -> Form {
        let keys = component.value?.objectValue?.keys ?? []
        let systemKey = systemTaken ? nil : keys.first { $0.lowercased().contains("sys") && component.value?[$0]?.stringValue != nil }
        let modelKey = modelTaken ? nil : keys.first { $0.lowercased() == "model" } ?? keys.first { $0.lowercased().contains("model") && component.value?[$0]?.stringValue != nil }
        var choices: [String] = []
        if let modelKey, let current = component.value?[modelKey]?.stringValue {
            let offering = config.components.values.sorted { $0.id < $1.id }.first { $0.choices.contains(current) }
            choices = offering?.choices ?? [current]
        }
        let budgetKey = keys.first { $0.lowercased().contains("budget") && component.value?[$0]?.intValue != nil }
        return Form(systemKey: systemKey, modelKey: modelKey, modelChoices: choices, budgetKey: budgetKey)
    }

    /// An event that takes only one of the chat's states and writes it back, triggered by a
    /// button or named for thinking: a thinking on/off switch.
    static func thinkingSwitch(states: [Int], in config: GradioConfig) -> GradioEndpoint? {
        for dependency in config.dependencies where dependency.isCallable && dependency.inputs.count == 1 && states.contains(dependency.inputs[0])
            && dependency.outputs == dependency.inputs {
            let trigger = dependency.triggerID.flatMap { config.component($0) }
            let words = [dependency.apiName, trigger?.label, trigger?.value?.stringValue].compactMap { $0?.lowercased() }
            if words.contains(where: { $0.contains("think") }) { return endpoint(of: dependency) }
        }
        return nil
    }

    /// The `/info` parameter names of a named endpoint, by input position. `/info` leaves out
    /// `state` inputs; when its count does not match the rest, no names are used.
    static func parameterNames(_ dependency: GradioConfig.Dependency, components: [GradioConfig.Component], info: JSONValue?) -> [Int: String] {
        guard let apiName = dependency.apiName,
              let parameters = info?["named_endpoints"]?["/" + apiName]?["parameters"]?.arrayValue else { return [:] }
        let listed = components.indices.filter { components[$0].type != "state" }
        guard listed.count == parameters.count else { return [:] }
        var names: [Int: String] = [:]
        for (index, parameter) in zip(listed, parameters) {
            if let name = parameter["parameter_name"]?.stringValue { names[index] = name }
        }
        return names
    }

    /// A model input's own choices; a hidden one with none (the Qwen2.5 Space's) gets the
    /// choices of the radios and dropdowns whose events write it, in config order.
    static func modelChoices(_ component: GradioConfig.Component, in config: GradioConfig) -> [String] {
        if !component.choices.isEmpty { return component.choices }
        var choices: [String] = []
        for dependency in config.dependencies where dependency.outputs.contains(component.id) {
            guard let trigger = dependency.triggerID.flatMap({ config.component($0) }),
                  trigger.type == "radio" || trigger.type == "dropdown" else { continue }
            for choice in trigger.choices where !choices.contains(choice) { choices.append(choice) }
        }
        return choices
    }
}
