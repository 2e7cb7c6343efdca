#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A sans-I/O reader of one HTTP/1.1 response, fed the connection's bytes as they arrive.
///
/// It separates the head from the body and undoes the body's framing (`Content-Length`,
/// chunked, or until the connection closes), appending the body bytes to the caller's buffer:
/// a streamed body of many small chunks costs a copy per chunk, not an object per chunk.
struct HTTPResponseParser: Sendable {
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private enum State: Sendable {
        case head
        /// Inside a chunk-size line (its text so far is in `line`).
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data.
        case chunkEnd
        /// Trailer lines after the last chunk, up to an empty line.
        case trailers
        case length(remaining: Int)
        case untilClose
        case complete
    }

    /// The head's size limit: a server sending more is not a Gradio app.
    static let maxHeadBytes = 64 << 10

    private var state = State.head
    private var line: [UInt8] = []
    /// The final (non-1xx) head, once it arrived.
    private(set) var head: HTTPResponseHead?
    /// Whether the connection may carry another request once this response is complete.
    private(set) var keepAlive = false
    /// Whether the response has no body whatever its headers say (a `HEAD` or `CONNECT`).
    private let bodyless: Bool

    init(bodyless: Bool = false) {
        self.bodyless = bodyless
    }

    var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// Reads `bytes`, appending body bytes to `body`. Returns how many bytes it used: all of
    /// them, unless the response completed before their end (what follows belongs to the
    /// connection, not to this response).
    /// - Throws: `Failure` on bytes that are not an HTTP/1.1 response.
    @discardableResult
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, body: inout [UInt8]) throws -> Int {
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .head:
                index = try readHead(bytes, from: index)
            case .chunkSize:
                // The usual case: the whole size line is here and nothing of it was kept.
                if line.isEmpty, let (size, next) = Self.chunkSizeLine(bytes, from: index) {
                    index = next
                    state = size == 0 ? .trailers : .chunkData(remaining: size)
                    break
                }
                guard let end = Self.lineEnd(bytes, from: index) else {
                    try keepLine(bytes, from: index, to: count, limit: 1024, what: "chunk size")
                    index = count
                    break
                }
                try keepLine(bytes, from: index, to: end, limit: 1024, what: "chunk size")
                index = end + 1
                let size = try Self.chunkSize(line)
                line.removeAll(keepingCapacity: true)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let left = Self.copyBody(bytes, &index, remaining, into: &body)
                state = left == 0 ? .chunkEnd : .chunkData(remaining: left)
            case .chunkEnd:
                // CRLF (or a bare LF); the CR may end one read and the LF start the next.
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    line.removeAll(keepingCapacity: true)
                    state = .chunkSize
                } else if byte == UInt8(ascii: "\r"), line.isEmpty {
                    line.append(byte)
                } else {
                    throw Failure("malformed chunked body (no line break after a chunk)")
                }
            case .trailers:
                guard let end = Self.lineEnd(bytes, from: index) else {
                    try keepLine(bytes, from: index, to: count, limit: Self.maxHeadBytes, what: "trailer")
                    index = count
                    break
                }
                try keepLine(bytes, from: index, to: end, limit: Self.maxHeadBytes, what: "trailer")
                index = end + 1
                let empty = line.isEmpty || line == [UInt8(ascii: "\r")]
                line.removeAll(keepingCapacity: true)
                if empty { state = .complete }
            case .length(let remaining):
                let left = Self.copyBody(bytes, &index, remaining, into: &body)
                state = left == 0 ? .complete : .length(remaining: left)
            case .untilClose:
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<count]))
                index = count
            case .complete:
                return index
            }
        }
        return index
    }

    /// The connection closed: completes a body that lasts until the close.
    /// - Throws: `Failure` when the response was cut short.
    mutating func finish() throws {
        switch state {
        case .complete: return
        case .untilClose: state = .complete
        case .head: throw Failure(head == nil && line.isEmpty ? "the server closed the connection without answering" : "the server closed the connection in the middle of the response head")
        default: throw Failure("the server closed the connection in the middle of the response")
        }
    }

    // MARK: Head

    private mutating func readHead(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws -> Int {
        // The head ends at an empty line: "\r\n\r\n" (or "\n\n", which some servers send).
        var index = start
        while let lf = Self.lineEnd(bytes, from: index) {
            try keepLine(bytes, from: index, to: lf + 1, limit: Self.maxHeadBytes, what: "response head")
            index = lf + 1
            if Self.endsHead(line) {
                try parseHead()
                return index
            }
        }
        try keepLine(bytes, from: index, to: bytes.count, limit: Self.maxHeadBytes, what: "response head")
        return bytes.count
    }

    /// Whether the head text so far ends with an empty line.
    private static func endsHead(_ text: [UInt8]) -> Bool {
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = text.count
        if n >= 2, text[n - 1] == lf, text[n - 2] == lf { return true }
        if n >= 3, text[n - 1] == lf, text[n - 2] == cr, text[n - 3] == lf { return true }
        return false
    }

    private mutating func parseHead() throws {
        let text = String(decoding: line, as: UTF8.self)
        line.removeAll(keepingCapacity: true)
        // "\r\n" is one Character in Swift.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let statusLine = lines.first else { throw Failure("an empty response head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw Failure("not an HTTP/1.1 response: \(oneLine(String(statusLine), limit: 60))")
        }
        var headers: [(String, String)] = []
        for raw in lines.dropFirst() where !raw.isEmpty {
            guard let colon = raw.firstIndex(of: ":") else { throw Failure("a malformed header line") }
            headers.append((String(raw[..<colon]), String(raw[raw.index(after: colon)...]).trimmingWhitespace()))
        }
        let response = HTTPResponseHead(status: status, headers: headers)
        // 1xx heads are interim: the real one follows.
        if (100..<200).contains(status), status != 101 {
            state = .head
            return
        }
        head = response
        let connection = response.header("Connection")?.lowercased() ?? ""
        keepAlive = parts[0] == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")
        if bodyless || status == 204 || status == 304 || status == 101 {
            state = .complete
        } else if let encoding = response.header("Transfer-Encoding")?.lowercased(), !encoding.isEmpty {
            guard encoding.split(separator: ",").last.map({ String($0).trimmingWhitespace() }) == "chunked" else {
                throw Failure("unsupported transfer encoding '\(oneLine(encoding, limit: 40))'")
            }
            state = .chunkSize
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText.trimmingWhitespace()), length >= 0 else {
                throw Failure("a malformed Content-Length")
            }
            state = length == 0 ? .complete : .length(remaining: length)
        } else {
            keepAlive = false
            state = .untilClose
        }
        if let coding = response.header("Content-Encoding")?.lowercased(), !coding.isEmpty, coding != "identity" {
            throw Failure("the server compressed the response ('\(oneLine(coding, limit: 40))') although none was asked for")
        }
    }

    /// Copies up to `remaining` body bytes from `index` on; returns how many are still to come.
    @inline(__always)
    private static func copyBody(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ remaining: Int, into body: inout [UInt8]) -> Int {
        let take = min(remaining, bytes.count - index)
        body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<index + take]))
        index += take
        return remaining - take
    }

    // MARK: Lines

    /// The index of the next LF at or after `start`, if any.
    private static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
              let found = memchr(base + start, 0x0A, bytes.count - start)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    private mutating func keepLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, limit: Int, what: String) throws {
        guard line.count + (end - start) <= limit else { throw Failure("the \(what) is too long") }
        line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
    }

    /// A chunk-size line of plain hex digits and CRLF read in place, with the index after
    /// it; nil for anything else (extensions, a line cut by the read's end), which the general
    /// path reads.
    @inline(__always)
    private static func chunkSizeLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Int, Int)? {
        var index = start
        var size = 0
        while index < bytes.count, index - start < 15 {
            let byte = bytes[index]
            if let value = hexValue(byte) {
                size = size * 16 + value
                index += 1
                continue
            }
            guard byte == UInt8(ascii: "\r"), index > start, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") else { return nil }
            return (size, index + 2)
        }
        return nil
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// A chunk-size line: hex digits, then optional extensions after `;`.
    private static func chunkSize(_ line: [UInt8]) throws -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            guard let value = hexValue(byte) else {
                guard digits > 0, byte == UInt8(ascii: ";") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else {
                    throw Failure("a malformed chunk size")
                }
                return size
            }
            digits += 1
            guard digits <= 15 else { throw Failure("a chunk size too large") }
            size = size * 16 + value
        }
        guard digits > 0 else { throw Failure("a malformed chunk size") }
        return size
    }
}
