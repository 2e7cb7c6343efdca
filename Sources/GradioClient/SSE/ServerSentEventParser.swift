#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One dispatched server-sent event. `data` holds the joined `data:` lines as raw UTF-8.
public struct ServerSentEvent: Sendable, Equatable {
    public var type: String?
    public var data: [UInt8]
    public var id: String?

    public init(type: String? = nil, data: [UInt8], id: String? = nil) {
        self.type = type
        self.data = data
        self.id = id
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// A sans-I/O parser for `text/event-stream` bodies (WHATWG rules), fed chunks as they arrive.
///
/// It works on bytes, so a chunk may end anywhere: inside a line, between `\r` and `\n`, or in
/// the middle of a multi-byte UTF-8 character. Lines end with `\n`, `\r\n` or `\r`; several
/// `data:` lines join with `\n`; lines starting with `:` are comments.
///
/// An event's data longer than `maximumEventBytes`, or any other line (a comment, `event:`,
/// `id:`) longer than `maximumFieldBytes`, stops the parser: it keeps nothing more and says so
/// in `overflowed` (a hostile endless line cannot fill memory).
public struct ServerSentEventParser: Sendable {
    public let maximumEventBytes: Int
    public let maximumFieldBytes: Int
    /// Set once a limit was passed; nothing is parsed after.
    public private(set) var overflowed = false
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    /// A single `data` line still in the buffer being fed, lent as it is if the event ends
    /// before the buffer does (nearly every Gradio event); copied into `data` otherwise.
    private var lentData: Range<Int>?
    private var hasData = false
    private var eventType: String?
    private var lastEventID: String?
    private var lastWasCR = false
    private var atStreamStart = true
    /// Bytes of a leading byte order mark seen so far (it may be split over chunks).
    private var bomMatched = 0

    public init(maximumEventBytes: Int = .max, maximumFieldBytes: Int = .max) {
        self.maximumEventBytes = maximumEventBytes
        self.maximumFieldBytes = min(maximumFieldBytes, maximumEventBytes)
    }

    /// How long a line held over chunks may grow, from its first bytes (held, then `more`):
    /// a `data` line as long as an event's data, any other as long as a field.
    private func lineLimit(then more: UnsafeBufferPointer<UInt8>) -> Int {
        // `data:` (or what may still become it); `dataX…:` is another field.
        let start = Array((line.prefix(5) + more.prefix(5)).prefix(5))
        return Array("data:".utf8).starts(with: start) ? maximumEventBytes : maximumFieldBytes
    }

    /// Parses a chunk and returns the events it completed, in order.
    public mutating func feed<Bytes: Collection>(_ chunk: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        feed(chunk) { events.append($0) }
        return events
    }

    /// Parses a chunk, calling `emit` for each event it completes.
    public mutating func feed<Bytes: Collection>(_ chunk: Bytes, emit: (ServerSentEvent) throws -> Void) rethrows where Bytes.Element == UInt8 {
        try feedViews(chunk) { view in
            try emit(ServerSentEvent(type: view.type, data: Array(view.data), id: view.id))
        }
    }

    /// An event whose data is lent to the callback: valid only during the call.
    public struct EventView {
        public var type: String?
        public var data: UnsafeBufferPointer<UInt8>
        public var id: String?
    }

    /// Parses a chunk, lending each event it completes to `emit`: no allocation per event,
    /// which counts when every token of a reply is an event.
    public mutating func feedViews<Bytes: Collection>(_ chunk: Bytes, emit: (EventView) throws -> Void) rethrows where Bytes.Element == UInt8 {
        if let done = try chunk.withContiguousStorageIfAvailable({ buffer -> Bool in
            try feedBuffer(buffer, emit: emit)
            return true
        }), done {
            return
        }
        let copy = Array(chunk)
        try copy.withUnsafeBufferPointer { try feedBuffer($0, emit: emit) }
    }

    /// Ends the stream. A final event without its blank line is not dispatched (WHATWG rule).
    public mutating func finish() {
        line.removeAll()
        data.removeAll()
        hasData = false
        eventType = nil
    }

    private mutating func feedBuffer(_ buffer: UnsafeBufferPointer<UInt8>, emit: (EventView) throws -> Void) rethrows {
        if overflowed { return }
        var start = 0
        var i = 0
        let count = buffer.count
        if atStreamStart, count > 0 { skipByteOrderMark(buffer, &start, &i) }
        var nextLF = -1
        while i < count {
            let end = Self.lineBreak(in: buffer, from: i, nextLF: &nextLF)
            if end > i { lastWasCR = false }
            i = end
            guard i < count else { break }
            let byte = buffer[i]
            if byte == 0x0A, lastWasCR, i == start, line.isEmpty {
                // The \n of a \r\n whose \r ended the previous line.
                lastWasCR = false
                i += 1
                start = i
                continue
            }
            if line.isEmpty {
                try processLine(UnsafeBufferPointer(rebasing: buffer[start..<i]), in: buffer, emit: emit)
            } else if line.count + (i - start) > lineLimit(then: UnsafeBufferPointer(rebasing: buffer[start..<i])) {
                return overflow()
            } else {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<i]))
                // Move the line out rather than copy it: events can be megabytes.
                var full: [UInt8] = []
                swap(&full, &line)
                try full.withUnsafeBufferPointer { try processLine($0, in: nil, emit: emit) }
            }
            if overflowed { return }
            lastWasCR = byte == 0x0D
            i += 1
            start = i
        }
        if start < count {
            let tail = UnsafeBufferPointer(rebasing: buffer[start..<count])
            guard line.count + tail.count <= lineLimit(then: tail) else { return overflow() }
            line.append(contentsOf: tail)
        }
        keepLentData(from: buffer)
    }

    private mutating func overflow() {
        overflowed = true
        line = []
        data = []
        lentData = nil
        hasData = false
    }

    /// The buffer is going away: a lent `data` line becomes a copy.
    private mutating func keepLentData(from buffer: UnsafeBufferPointer<UInt8>) {
        guard let range = lentData else { return }
        lentData = nil
        data.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range]))
    }

    @inline(__always)
    private static func isName(_ name: UnsafeBufferPointer<UInt8>, _ field: StaticString) -> Bool {
        name.count == field.utf8CodeUnitCount && memcmp(name.baseAddress!, field.utf8Start, name.count) == 0
    }

    /// The index of the first `\r` or `\n` at or after `from`, or the buffer's end; memchr
    /// finds it at memory speed, which matters for megabyte-long lines. `nextLF` remembers
    /// where the next `\n` is, so lines that end in a bare `\r` do not rescan the buffer.
    private static func lineBreak(in buffer: UnsafeBufferPointer<UInt8>, from: Int, nextLF: inout Int) -> Int {
        guard let base = buffer.baseAddress, from < buffer.count else { return buffer.count }
        if nextLF < from {
            nextLF = buffer.count
            if let found = memchr(base + from, 0x0A, buffer.count - from) {
                nextLF = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            }
        }
        guard nextLF > from, let cr = memchr(base + from, 0x0D, nextLF - from) else { return nextLF }
        return UnsafeRawPointer(cr) - UnsafeRawPointer(base)
    }

    private mutating func skipByteOrderMark(_ buffer: UnsafeBufferPointer<UInt8>, _ start: inout Int, _ i: inout Int) {
        // A leading BOM may arrive split over several chunks: hold its bytes until it is whole
        // (skip it) or turns out not to be one (its held bytes become ordinary line text).
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let heldBefore = bomMatched
        var j = 0
        while j < buffer.count, bomMatched < bom.count, buffer[j] == bom[bomMatched] {
            bomMatched += 1
            j += 1
        }
        if bomMatched == bom.count || j == buffer.count {
            atStreamStart = bomMatched < bom.count
            start = j
            i = j
            return
        }
        atStreamStart = false
        line.append(contentsOf: bom[0..<heldBefore])
    }

    /// - Parameter buffer: the buffer being fed, when `line` lies in it (a line may then be lent).
    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, in buffer: UnsafeBufferPointer<UInt8>?, emit: (EventView) throws -> Void) rethrows {
        if line.isEmpty {
            if let range = lentData, let buffer {
                lentData = nil
                try emit(EventView(type: eventType, data: UnsafeBufferPointer(rebasing: buffer[range]), id: lastEventID))
            } else if hasData {
                // Lent, not moved: the buffer is kept for the next event. (A rare huge event
                // does not pin its capacity.)
                try data.withUnsafeBufferPointer { try emit(EventView(type: eventType, data: $0, id: lastEventID)) }
                if data.capacity > 1 << 20 { data = [] }
            }
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        var nameEnd = 0
        while nameEnd < line.count, line[nameEnd] != UInt8(ascii: ":") { nameEnd += 1 }
        var valueStart = nameEnd
        if valueStart < line.count {
            valueStart += 1
            if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        }
        let name = UnsafeBufferPointer(rebasing: line[0..<nameEnd])
        let value = UnsafeBufferPointer(rebasing: line[valueStart..<line.count])
        if Self.isName(name, "data") {
            let held = lentData?.count ?? data.count
            guard (hasData ? held + 1 : 0) + value.count <= maximumEventBytes else { return overflow() }
            if !hasData, let buffer, let base = buffer.baseAddress, let valueBase = value.baseAddress {
                let offset = base.distance(to: valueBase)
                lentData = offset..<(offset + value.count)
            } else {
                if let buffer { keepLentData(from: buffer) }
                if hasData { data.append(0x0A) }
                data.append(contentsOf: value)
            }
            hasData = true
        } else if line.count > maximumFieldBytes {
            // A field line that came whole in one read is held to the same limit.
            return overflow()
        } else if Self.isName(name, "event") {
            eventType = String(decoding: value, as: UTF8.self)
        } else if Self.isName(name, "id") {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        }
        // `retry` and unknown fields are ignored: Gradio's streams cannot be resumed anyway.
    }
}
