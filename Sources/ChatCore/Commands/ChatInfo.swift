import GradioClient

/// The `/info` text: what the chat talks to, with which settings, and where it keeps things.
public struct ChatInfo: Sendable {
    /// The Space's root URL, credentials already redacted.
    public var endpoint: String
    /// The config and endpoint in use, or nil before the first turn connects.
    public var server: (config: GradioConfig, endpoint: GradioEndpoint)?
    /// The chat endpoint found on the Space: its inputs and how each is filled.
    public var space: SpaceEndpoint?
    public var settings: ChatSettings
    public var turns: Int
    public var characters: Int
    public var sessionFile: String?
    /// The history file, "off", or nil when there is no input history.
    public var inputHistory: String?
    /// The Space's hardware from the Hub, when known.
    public var hardware: String?
    /// What the Space uses for the settings nobody chose, once known.
    public var spaceDefaults: ChatController.SpaceDefaults?

    public init(endpoint: String, server: (config: GradioConfig, endpoint: GradioEndpoint)?, settings: ChatSettings, turns: Int,
                characters: Int, sessionFile: String?, inputHistory: String?, space: SpaceEndpoint? = nil, hardware: String? = nil,
                spaceDefaults: ChatController.SpaceDefaults? = nil) {
        self.spaceDefaults = spaceDefaults
        self.space = space
        self.hardware = hardware
        self.endpoint = endpoint
        self.server = server
        self.settings = settings
        self.turns = turns
        self.characters = characters
        self.sessionFile = sessionFile
        self.inputHistory = inputHistory
    }

    public var text: String {
        var lines = ["endpoint: \(endpoint)"]
        if let hardware { lines.append("hardware: " + SpaceHub.describe(hardware: hardware)) }
        if let server {
            lines.append("gradio: \(server.config.version ?? "unknown version") (\(server.config.protocolName)), \(server.endpoint.apiName) = fn_index \(server.endpoint.fnIndex)")
        } else {
            lines.append("gradio: not connected yet")
        }
        // The inputs as `--describe` shows them, after its own gradio line.
        if let space { lines += space.description.split(separator: "\n").dropFirst().map { "  " + $0 } }
        lines.append(spaceDefaults != nil && settings.modelChoices.isEmpty ? "model: the Space's own (its chat endpoint has no model choice)"
                     : "model: \(ChatController.modelText(settings, spaceDefaults))")
        lines.append("system prompt: \(ChatController.systemText(settings, spaceDefaults))")
        lines.append(ChatController.contextDescription(settings, endpointTakesHistory: space?.chat.takesContext,
                                                       inSession: space?.chat.conversationInSession ?? false))
        lines.append("transcript: \(turns) turn\(turns == 1 ? "" : "s"), \(characters) characters")
        if let sessionFile { lines.append("session file: \(sessionFile)") }
        if let inputHistory { lines.append("input history: \(inputHistory)") }
        return lines.joined(separator: "\n")
    }
}
