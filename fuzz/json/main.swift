// libFuzzer target: JSONParser, JSONValue serialization and edit-op application.
// Invariants: parse -> serialize -> parse gives an equal value (and serializing that again
// gives the same bytes); applying edit ops never crashes (errors are fine), and the result
// still round-trips.
import GradioClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(input) else { return 0 }
    checkRoundTrip(value, "input")

    // [document, op, op, ...]: apply every op that decodes, in order, three times over (so that
    // ops nesting the value one level deeper each time pile up). The result must still parse
    // back: edit ops never build a value deeper than the parser takes.
    guard case .array(let items) = value, var document = items.first else { return 0 }
    for _ in 0..<3 {
        for wire in items.dropFirst() {
            guard let op = try? EditOperation(wire: wire) else { continue }
            // Its wire form decodes to the same op.
            if let again = try? EditOperation(wire: op.wire), again != op {
                fatalError("edit op wire round trip differs: \(op) vs \(again)")
            }
            try? document.apply(op)
        }
    }
    checkRoundTrip(document, "edited document")
    return 0
}

private func checkRoundTrip(_ value: JSONValue, _ what: String) {
    let bytes = value.jsonBytes
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue.parse(bytes)
    } catch {
        fatalError("\(what): serialized JSON does not parse (\(error)): \(String(decoding: bytes, as: UTF8.self))")
    }
    if reparsed != value {
        fatalError("\(what): parse -> serialize -> parse differs: \(value) vs \(reparsed)")
    }
    if reparsed.jsonBytes != bytes {
        fatalError("\(what): serialization is not stable")
    }
}
