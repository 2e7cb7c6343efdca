// libFuzzer target: the byte-level message decoders (GradioMessage+Decoding, +StreamedDiff).
// Invariants: decoding a message from bytes succeeds exactly when parsing the JSON and reading
// the message from the tree does, with the same result; the streamed-diff path, whenever it
// answers, agrees with the full decoder; and the string-append reader (GradioJob.gather's),
// whenever it answers, agrees with it too: one op in all the lists, a string append at that
// output and path, whose text is exactly what was appended; and a token template made from
// a real token accepts an input only if the string-append reader accepts it the same way.

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
    for outputs in 1...3 {
        var memo = EditPathMemo()
        var text: [UInt8] = [0x2A]
        guard let found = GradioMessage.streamedStringAppend(input, prefix: StreamedDiffPrefix(eventID: "e1"), outputs: outputs, memo: &memo, text: &text) else {
            if text != [0x2A] { fatalError("the string-append reader declined but changed the text: \(text) for \(input)") }
            continue
        }
        guard let full = try? GradioMessage(bytes: input, eventID: "e1", expectingEdits: true), let edits = full.edits else {
            fatalError("the string-append reader accepts what the full decoder rejects: \(text)")
        }
        let (index, path) = (found.index, found.path)
        let expected = String(decoding: text.dropFirst(), as: UTF8.self)
        guard edits.count == outputs, edits.joined().count == 1, edits[index] == [EditOperation(.append, path, .string(expected))] else {
            fatalError("the string-append reader differs: \(index) \(path) \(expected) vs \(edits) for \(input)")
        }
    }
    for template in templates {
        var fast: [UInt8] = [0x2A]
        guard template.read(input, into: &fast) else {
            if fast != [0x2A] { fatalError("a declining template changed the text: \(fast) for \(text)") }
            continue
        }
        var memo = EditPathMemo()
        var slow: [UInt8] = [0x2A]
        guard let found = GradioMessage.streamedStringAppend(input, prefix: StreamedDiffPrefix(eventID: "e1"), outputs: 3, memo: &memo, text: &slow),
              found.index == template.index, found.path == template.path, slow == fast
        else {
            fatalError("a token template accepts what the string-append reader reads otherwise: \(fast) for \(text)")
        }
    }
    return 0
}

/// Templates from two real-shaped tokens (numbers in the tail, and none).
private let templates: [TokenTemplate] = [
    #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"o f"]],[]],"is_generating":true,"duration":0.010620594024658203,"average_duration":0.010436764577539956,"render_config":null,"changed_state_ids":[]},"success":true}"#,
    #"{"msg":"process_generating","event_id":"e1","output":{"data":[[["append",[],"x\n"]],[],[]]},"success":true}"#,
].map { message in
    let bytes = Array(message.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
        var memo = EditPathMemo()
        var text: [UInt8] = []
        let found = GradioMessage.streamedStringAppend(buffer, prefix: StreamedDiffPrefix(eventID: "e1"), outputs: 3, memo: &memo, text: &text)!
        return TokenTemplate(message: buffer, string: found.string, index: found.index, path: found.path)
    }
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
