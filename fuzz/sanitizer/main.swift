// libFuzzer target: ControlSanitizer.
// Invariants: the output holds no scalar below U+0020 except \n and \t, no U+007F and no
// U+0080-U+009F; feeding the input in two pieces (split at a fuzzer-chosen scalar) gives the
// same bytes as feeding it whole; and the bulk path of `sanitize` (safe runs copied whole)
// gives the same bytes as the state machine fed one scalar at a time.
@testable import TerminalRendering

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSanitizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: input[1...], as: UTF8.self)
    let scalars = Array(text.unicodeScalars)
    let cut = scalars.isEmpty ? 0 : Int(input[0]) % (scalars.count + 1)

    var whole = ControlSanitizer()
    let expected = Array((whole.sanitize(text) + whole.finish()).utf8)

    var head = String.UnicodeScalarView()
    head.append(contentsOf: scalars[..<cut])
    var tail = String.UnicodeScalarView()
    tail.append(contentsOf: scalars[cut...])
    var split = ControlSanitizer()
    var got = Array(split.sanitize(String(head)).utf8)
    got += Array(split.sanitize(String(tail)).utf8)
    got += Array(split.finish().utf8)
    if got != expected {
        fatalError("sanitizer output differs when split at scalar \(cut): \(String(decoding: expected, as: UTF8.self).debugDescription) vs \(String(decoding: got, as: UTF8.self).debugDescription)")
    }
    if whole.neutralizedCount != split.neutralizedCount {
        fatalError("neutralizedCount differs when split: \(whole.neutralizedCount) vs \(split.neutralizedCount)")
    }
    var oneByOne = ControlSanitizer()
    var scalarwise: [UInt8] = []
    for scalar in scalars { oneByOne.feed(scalar, into: &scalarwise) }
    scalarwise += Array(oneByOne.finish().utf8)
    if scalarwise != expected || oneByOne.neutralizedCount != whole.neutralizedCount {
        fatalError("sanitize differs from the scalar-by-scalar state machine: \(String(decoding: expected, as: UTF8.self).debugDescription) vs \(String(decoding: scalarwise, as: UTF8.self).debugDescription)")
    }
    for scalar in String(decoding: expected, as: UTF8.self).unicodeScalars {
        let v = scalar.value
        if (v < 0x20 && v != 0x0A && v != 0x09) || v == 0x7F || (0x80...0x9F).contains(v) {
            fatalError("sanitizer let U+\(String(v, radix: 16)) through for \(text.debugDescription)")
        }
    }
    return 0
}
