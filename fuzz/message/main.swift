// libFuzzer target: the byte-level message decoders (GradioMessage+Decoding, +StreamedDiff).
// Invariants: decoding a message from bytes succeeds exactly when parsing the JSON and reading
// the message from the tree does, with the same result; the streamed-diff path, whenever it
// answers, agrees with the full decoder.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: input, as: UTF8.self)

    let fromTree = (try? JSONValue.parse(input)).flatMap { try? GradioMessage(json: $0) }
    let fromBytes = try? GradioMessage(bytes: input, expectingEdits: false)
    switch (fromTree, fromBytes) {
    case (nil, nil): break
    case (let tree?, let bytes?):
        if !same(reading(tree), reading(bytes)) {
            fatalError("the byte decoder differs from the tree: \(reading(tree)) vs \(reading(bytes)) for \(text)")
        }
    default:
        fatalError("the byte decoder \(fromBytes == nil ? "rejects" : "accepts") what the tree path \(fromTree == nil ? "rejects" : "accepts"): \(text)")
    }

    if let fast = GradioMessage(streamedDiff: input, eventID: "e1") {
        guard let full = try? GradioMessage(bytes: input, eventID: "e1", expectingEdits: true) else {
            fatalError("the streamed-diff path accepts what the full decoder rejects: \(text)")
        }
        if !same(fast, full) {
            fatalError("the streamed-diff path differs: \(fast) vs \(full) for \(text)")
        }
    }
    return 0
}

/// The message with `output` cut to the members the byte decoder keeps.
private func reading(_ message: GradioMessage) -> GradioMessage {
    func kept(_ output: JSONValue) -> JSONValue {
        guard case .object(let object) = output else { return output }
        var kept = JSONObject()
        for (key, value) in object.members where key == "data" || key == "error" { kept[key] = value }
        return .object(kept)
    }
    var message = message
    switch message.kind {
    case .processGenerating(let output, let success): message.kind = .processGenerating(output: kept(output), success: success)
    case .processCompleted(let output, let success): message.kind = .processCompleted(output: kept(output), success: success)
    default: break
    }
    return message
}

private func same(_ a: GradioMessage, _ b: GradioMessage) -> Bool {
    a.kind == b.kind && a.eventID == b.eventID && a.edits == b.edits
}
