import TestSupport
import Testing
@testable import GradioClient

private func config(_ text: String) throws -> GradioConfig { try GradioConfig(json: JSONValue.parse(text)) }

@Suite("GradioConfig")
struct GradioConfigTests {
    @Test func gradio4Fixture() throws {
        let config = try GradioConfig(json: JSONValue.parse(Fixtures.bytes("gradio-4.44.1/config.json")))
        #expect(config.version == "4.44.1")
        #expect(config.protocolName == "sse_v3")
        #expect(config.apiPrefix == "")
        #expect(config.isSupported)
        #expect(config.sendsDiffs)
        let chat = try #require(config.dependency(named: "model_chat"))
        #expect(chat.fnIndex == 3)
        #expect(chat.triggerID == 25)
        #expect(config.dependency(named: "/model_chat")?.fnIndex == 3)
        #expect(config.dependency(named: "model_chat_1")?.fnIndex == 4)
        #expect(config.dependency(named: "model_chat_1")?.triggerID == 28)
        #expect(config.dependency(named: "nope") == nil)
    }

    @Test func gradio6Fixture() throws {
        let config = try GradioConfig(json: JSONValue.parse(Fixtures.bytes("gradio-6.31.0/config.json")))
        #expect(config.version == "6.31.0")
        #expect(config.protocolName == "sse_v3")
        #expect(config.apiPrefix == "/gradio_api")
        #expect(config.isSupported)
        let chat = try #require(config.dependency(named: "chat"))
        #expect(chat.fnIndex == 6)
        #expect(chat.triggerID == 12)
        // A `then` dependency has a null trigger id.
        #expect(config.dependency(named: "_append_message_to_history")?.triggerID == nil)
    }

    @Test("old and pre-sse_v1 versions are unsupported", arguments: [
        (#"{"version":"3.50.2","dependencies":[]}"#, "ws"),
        (#"{"version":"3.0","mode":"blocks"}"#, "ws"),
        (#"{"version":"4.5.0","protocol":"sse","dependencies":[]}"#, "sse"),
        (#"{"version":"4.5.0","dependencies":[]}"#, "sse"),
        (#"{"dependencies":[]}"#, "unknown"),
        (#"{"version":"x.y"}"#, "unknown"),
        (#"{"version":"4.40.0","protocol":"ws"}"#, "ws"),
    ])
    func unsupported(text: String, protocolName: String) throws {
        let config = try config(text)
        #expect(config.protocolName == protocolName)
        #expect(!config.isSupported)
    }

    @Test("supported protocols", arguments: ["sse_v1", "sse_v2", "sse_v2.1", "sse_v3"])
    func supported(name: String) throws {
        let config = try config(#"{"version":"4.10.0","protocol":"\#(name)"}"#)
        #expect(config.isSupported)
        #expect(config.sendsDiffs == (name != "sse_v1"))
    }

    @Test("api prefix normalisation", arguments: [
        ("/gradio_api", "/gradio_api"), ("/gradio_api/", "/gradio_api"), ("/", ""), ("", ""),
    ])
    func prefix(raw: String, expected: String) throws {
        #expect(try config(#"{"version":"5.0.0","protocol":"sse_v3","api_prefix":"\#(raw)"}"#).apiPrefix == expected)
    }

    @Test func dependencyShapes() throws {
        let config = try config(#"""
        {"version":"4.44.1","protocol":"sse_v3","dependencies":[
          {"api_name":"first","targets":[[7,"click"]]},
          {"id":9,"api_name":"second","targets":[11]},
          {"id":10,"api_name":false,"targets":[[1,"click"]]},
          {"id":12,"api_name":"none","targets":[]}
        ]}
        """#)
        #expect(config.dependency(named: "first")?.fnIndex == 0)
        #expect(config.dependency(named: "first")?.triggerID == 7)
        #expect(config.dependency(named: "second")?.fnIndex == 9)
        #expect(config.dependency(named: "second")?.triggerID == 11)
        #expect(config.dependencies[2].apiName == nil)
        #expect(config.dependency(named: "none")?.triggerID == nil)
    }

    @Test("non-object configs are rejected", arguments: ["[]", "null", "\"config\"", "3"])
    func notAnObject(text: String) {
        #expect(throws: GradioProtocolError.self) { try config(text) }
    }
}
