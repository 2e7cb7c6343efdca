import ChatCore
import GradioClient
import Testing

/// Where a run goes: the precedence of --url, --space, QWEN_CHAT_URL and the default.
struct LaunchTargetTests {
    func decide(url: String? = nil, space: String? = nil, env: String? = nil, hub: String? = nil) throws -> LaunchTarget {
        try LaunchTarget.decide(url: url, space: space, environmentURL: env, hubEndpoint: hub)
    }

    @Test func nothingGivenIsQwen25OnItsHostWithTheHub() throws {
        let launch = try decide()
        #expect(launch.spaceID == "Qwen/Qwen2.5")
        #expect(launch.url == "https://qwen-qwen2-5.hf.space")
        #expect(launch.hubEndpoint == "https://huggingface.co")
        #expect(launch.root == URLParts(scheme: "https", host: "qwen-qwen2-5.hf.space", port: 443))
    }

    @Test func aSpaceAloneIsItsOwnHost() throws {
        let launch = try decide(space: "Qwen/Qwen3-Demo", env: "http://127.0.0.1:1")
        #expect(launch.spaceID == "Qwen/Qwen3-Demo")
        #expect(launch.url == "https://qwen-qwen3-demo.hf.space")
    }

    @Test func aURLBeatsTheSpacesHostAndTheEnvironment() throws {
        let mirror = try decide(url: "http://127.0.0.1:7860", space: "Qwen/Qwen2.5", env: "http://elsewhere:1")
        #expect(mirror.spaceID == "Qwen/Qwen2.5")
        #expect(mirror.url == "http://127.0.0.1:7860")
        // A bare URL, from the command line or QWEN_CHAT_URL: any Gradio app, no Hub lookups.
        #expect(try decide(url: "http://127.0.0.1:7860").spaceID == nil)
        #expect(try decide(env: "http://127.0.0.1:7861").spaceID == nil)
        #expect(try decide(env: "http://127.0.0.1:7861").url == "http://127.0.0.1:7861")
    }

    @Test func credentialsStayInTheURLButNotInTheRoot() throws {
        let launch = try decide(url: "https://me:secret@app.example:8443/x")
        #expect(launch.url == "https://me:secret@app.example:8443/x")
        #expect(launch.root == URLParts(scheme: "https", host: "app.example", port: 8443))
    }

    @Test func badInputIsOneLine() throws {
        #expect(throws: LaunchTarget.Failure(description: "'ftp://x' is not an http:// or https:// URL")) { try decide(url: "ftp://x") }
        #expect(throws: LaunchTarget.Failure(description: "'https://***@x:0' is not an http:// or https:// URL")) { try decide(url: "https://u:p@x:0") }
        #expect(throws: LaunchTarget.Failure(description: "HF_ENDPOINT 'hub' is not an http:// or https:// URL")) { try decide(space: "a/b", hub: "hub") }
        // The Hub is not asked about a bare URL: its endpoint does not matter then.
        #expect(try decide(url: "http://127.0.0.1:1", hub: "hub").spaceID == nil)
    }

    @Test(arguments: [
        ("qwen:open sesame:42", "qwen", "open sesame:42"),
        ("qwen:", "qwen", ""),
        ("qwen", "qwen", nil),
    ] as [(String, String, String?)])
    func login(auth: String, user: String, password: String?) {
        let parsed = LaunchTarget.login(auth)
        #expect(parsed?.username == user)
        #expect(parsed?.password == password)
    }

    @Test func aLoginNeedsAUser() {
        #expect(LaunchTarget.login(":pw") == nil)
        #expect(LaunchTarget.login("") == nil)
    }
}
