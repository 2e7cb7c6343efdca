#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GradioClient

/// What this client knows about the `Qwen/Qwen2.5` Space: its endpoint, its inputs and the
/// model sizes it offers. The Space keeps no history: a request carries the system prompt, the
/// latest user turn and, with `/context on`, the earlier turns as tuples.
public enum QwenSpace {
    /// Qwen/Qwen2.5's own defaults, known before its config is read (its host only).
    public static let spaceDefaults = ChatController.SpaceDefaults(model: defaultModelSize, systemPrompt: defaultSystemPrompt, takesSystemPrompt: true)

    public static let spaceID = "Qwen/Qwen2.5"
    public static let defaultURL = "https://qwen-qwen2-5.hf.space"
    public static let apiName = "model_chat"
    /// Used when the Space's config cannot be read or does not name the endpoint.
    public static let fallbackEndpoint = GradioEndpoint(apiName: apiName, fnIndex: 3, triggerID: 25)
    public static let defaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    public static let modelSizes = [
        "72B", "32B", "14B", "7B", "3B", "1.5B", "0.5B",
        "Math-72B", "Math-7B", "Math-1.5B", "Coder-7B", "Coder-1.5B",
    ]
    public static let defaultModelSize = "72B"
    /// The chatbot is the second output of `model_chat`: `[textbox, chatbot, system]`.
    public static let chatbotOutputIndex = 1

    /// Whether `root` is the Qwen2.5 Space's own host, the only one its preset is sent to
    /// when the config cannot be read.
    public static func isHost(of root: String) -> Bool {
        guard let parts = URLParts(root), let own = URLParts(defaultURL) else { return false }
        return parts.host.lowercased() == own.host && parts.scheme == own.scheme && parts.port == own.port
    }

    /// The `data` of a `model_chat` join: `[query, history, system, model size]`.
    public static func requestData(userTurn: String, systemPrompt: String, modelSize: String) -> [JSONValue] {
        [.string(userTurn), .array([]), .string(systemPrompt), .string(modelSize)]
    }

    /// The Space's `model_chat` layout, for when its config cannot be read or lists no
    /// components: `[query, history, system, model size]` in, the chatbot at output 1.
    public static func preset(fnIndex: Int = fallbackEndpoint.fnIndex, triggerID: Int? = fallbackEndpoint.triggerID) -> ChatEndpoint {
        ChatEndpoint(
            endpoint: GradioEndpoint(apiName: apiName, fnIndex: fnIndex, triggerID: triggerID),
            shape: .chatbot,
            inputs: [
                .init(componentID: nil, type: "textbox", label: "Input", role: .message, defaultValue: .string("")),
                .init(componentID: nil, type: "chatbot", label: nil, role: .history, defaultValue: .array([])),
                .init(componentID: nil, type: "textbox", label: "System", role: .systemPrompt, defaultValue: .string(defaultSystemPrompt)),
                .init(componentID: nil, type: "radio", label: nil, role: .model(choices: modelSizes), defaultValue: .string(defaultModelSize)),
            ],
            replyOutputIndex: chatbotOutputIndex,
            replyOutputType: "chatbot",
            historyFormat: .tuples
        )
    }

    /// A model choice as the user reads it: the Qwen2.5 Space's sizes with their family's name
    /// (`Qwen2.5-72B`), another Space's choices as that Space spells them.
    public static func displayName(ofModel model: String) -> String {
        modelSizes.contains(model) ? "Qwen2.5-" + model : model
    }

    /// The model size as the Space spells it, matched case-insensitively; nil if unknown.
    public static func canonicalModelSize(_ text: String) -> String? {
        modelSizes.first { $0.lowercased() == text.lowercased() }
    }

    /// `Owner/Name` -> `https://owner-name.hf.space` (lower-case; `.` and `_` become `-`).
    public static func url(forSpaceID id: String) -> String? {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-._")
        let host = (parts[0] + "-" + parts[1]).lowercased()
        guard host.allSatisfy({ allowed.contains($0) }) else { return nil }
        return "https://" + host.replacing(".", with: "-").replacing("_", with: "-") + ".hf.space"
    }
}
