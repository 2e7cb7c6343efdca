import ChatCore
import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

/// A setting nobody chose is the Space's own, on a Space that is not Qwen2.5: the shapes
/// servers' multimodal ChatInterface, whose system prompt input defaults to its own text.
@Suite("The Space's own defaults on a Space that is not Qwen2.5", .enabled(if: ShapesServer.enabled), .timeLimit(.minutes(2)))
struct SpaceDefaultsIntegrationTests {
    static let ownSystem = "You are a helpful assistant."

    @Test("/system reset sends the Space's own prompt; /info never names Qwen2.5 or its prompt", arguments: ShapesServer.allCases)
    func ownSystemPrompt(server: ShapesServer) async throws {
        guard let base = try server.requireURL() else { return }
        let service = ChatService(target: .init(client: makeClient(base + "/multimodal"), hub: nil, tokenSent: false), retry: .none)
        let space = try await service.discover { _ in }
        var controller = ChatController()
        controller.knowSpace(space.chat.spaceDefaults, modelChoices: space.chat.modelChoices ?? [])
        #expect(ChatController.systemText(controller.settings, controller.spaceDefaults) == "the Space's own: \(Self.ownSystem)")

        func turn(_ message: String, at now: Double) async -> String {
            var request: (String?, String?)?
            for case .send(_, _, let system, let model, _) in controller.handle(.line(message), now: now) { request = (system, model) }
            guard let (system, model) = request else { return "not sent" }
            let reply = Mutex("")
            let end = await service.run(userTurn: message, systemPrompt: system, modelSize: model) { event in
                if case .text(.delta(let piece)) = event { reply.withLock { $0 += piece } }
            }
            _ = controller.handle(end, now: now + 0.5)
            return reply.withLock { $0 }
        }
        _ = controller.handle(.line("/system Be brief."), now: 1)
        #expect(await turn("chosen \(uniqueTag())", at: 2).hasSuffix("System: Be brief."))
        #expect(controller.handle(.line("/system reset"), now: 3) == [.show("system prompt reset to the Space's own: \(Self.ownSystem)")])
        let reply = await turn("reset \(uniqueTag())", at: 4)
        #expect(reply.hasSuffix("System: \(Self.ownSystem)"), "\(reply)")

        let info = ChatInfo(endpoint: base, server: nil, settings: controller.settings, turns: 2, characters: 0, sessionFile: nil,
                            inputHistory: nil, space: space, spaceDefaults: controller.spaceDefaults).text
        #expect(!info.contains("Qwen2.5") && !info.contains("Alibaba"), "\(info)")
        #expect(info.contains("system prompt: the Space's own: \(Self.ownSystem)"), "\(info)")
    }
}
