// libFuzzer target: the Gradio message decoder and a job applying what it decodes.
// Invariants: decoding a message from bytes succeeds exactly when parsing the JSON and reading
// the message from the tree does, with the same message; and a job handed the message (fresh,
// holding full values, after diffs, or without diffs) never crashes and keeps outputs that
// serialize to JSON that parses back to them.
import GradioClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)

    let fromTree = (try? JSONValue.parse(input)).flatMap { try? GradioMessage(json: $0) }
    let fromBytes = try? GradioMessage(bytes: input)
    if fromTree != fromBytes {
        fatalError("the decoder differs from parse-then-read: \(String(describing: fromBytes)) vs \(String(describing: fromTree)) for \(String(decoding: input, as: UTF8.self))")
    }
    guard let message = fromBytes else { return 0 }
    for var job in makeJobs() {
        // Twice: a diff that applied once is applied again to what it made.
        for _ in 0..<2 {
            _ = job.handle(message)
            guard let outputs = job.outputs else { continue }
            let value = JSONValue.array(outputs)
            guard let again = try? JSONValue.parse(value.jsonBytes), again == value else {
                fatalError("a job's outputs do not round-trip after \(String(decoding: input, as: UTF8.self))")
            }
        }
    }
    return 0
}

/// Jobs in the states a message can find them in: before any output, holding the first full
/// values of a Qwen-like chat, after a diff, and one that is sent full values only (`sse_v1`).
/// Made per input, not kept in a global: LeakSanitizer cannot see a pointer Swift keeps in an
/// enum payload's spare bits, and reported the global's objects as leaked at exit.
private func makeJobs() -> [GradioJob] {
    func message(_ text: String) -> GradioMessage { try! GradioMessage(bytes: Array(text.utf8)) }
    let first = message(#"{"msg":"process_generating","event_id":"e1","output":{"data":["",[[{"text":"q","type":"text"},{"text":"Ech"}]],"s"]},"success":true}"#)
    let diff = message(#"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"o"]],[]]},"success":true}"#)
    let fresh = GradioJob(eventID: "e1", sendsDiffs: true)
    var started = fresh
    _ = started.handle(first)
    var streaming = started
    _ = streaming.handle(diff)
    var fullValues = GradioJob(eventID: nil, sendsDiffs: false)
    _ = fullValues.handle(first)
    return [fresh, started, streaming, fullValues]
}
