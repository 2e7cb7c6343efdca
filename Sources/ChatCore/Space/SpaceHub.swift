import GradioClient

/// The Hugging Face Hub's Space API, asked what a Space is doing when its host does not
/// answer like Gradio. `HF_ENDPOINT` names the Hub, as Hugging Face's own tools read it.
public struct SpaceHub: Sendable {
    public static let defaultEndpoint = "https://huggingface.co"

    /// `Owner/Name`.
    public let spaceID: String
    /// The Hub's root, without a trailing slash.
    public let endpoint: String
    public let transport: any HTTPTransport
    /// `Authorization` (when a token goes to the Hub) and `User-Agent`.
    public let headers: [(String, String)]

    public init(spaceID: String, endpoint: String, transport: any HTTPTransport, headers: [(String, String)]) {
        var endpoint = endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.spaceID = spaceID
        self.endpoint = endpoint
        self.transport = transport
        self.headers = headers
    }

    public var sendsToken: Bool { headers.contains { $0.0 == "Authorization" } }

    /// The Space's hardware as the Hub names it (`runtime.hardware.current`, else what it
    /// requests): `zero-a10g` is ZeroGPU. Nil when the Hub cannot be asked.
    public func hardware() async -> String? {
        let request = HTTPRequest(method: "GET", url: endpoint + "/api/spaces/" + spaceID, headers: headers + [("Accept", "application/json")])
        guard let (head, body) = try? await transport.perform(request), head.status == 200,
              let hardware = (try? JSONValue.parse(body))?["runtime"]?["hardware"],
              let name = hardware["current"]?.stringValue ?? hardware["requested"]?.stringValue else { return nil }
        let shown = oneLine(name, limit: 40)
        return shown.isEmpty ? nil : shown
    }

    /// "zero-a10g (ZeroGPU: a GPU lent for each task, within a daily quota)".
    public static func describe(hardware: String) -> String {
        hardware.lowercased().hasPrefix("zero-") ? hardware + " (ZeroGPU: a GPU lent for each task, within a daily quota; a token gets a larger one)" : hardware
    }

    /// One request; never throws: a Hub that cannot be asked is `.unknown`, and the host's
    /// own error stands.
    public func state() async -> SpaceState {
        let request = HTTPRequest(method: "GET", url: endpoint + "/api/spaces/" + spaceID, headers: headers + [("Accept", "application/json")])
        do {
            let (head, body) = try await transport.perform(request)
            return SpaceState(hubStatus: head.status, body: body)
        } catch {
            return .unknown("the Hub could not be asked: \(error)")
        }
    }
}
