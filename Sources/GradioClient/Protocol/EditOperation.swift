/// One step of a path into a JSON value: a list index or an object key.
public enum JSONPathComponent: Sendable, Hashable {
    case index(Int)
    case key(String)
}

/// One edit op of Gradio's streaming diffs (`sse_v2` and later): `[op, path, value]`.
public struct EditOperation: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case replace, append, add, delete
    }

    public var kind: Kind
    public var path: [JSONPathComponent]
    public var value: JSONValue

    public init(_ kind: Kind, _ path: [JSONPathComponent], _ value: JSONValue = .null) {
        self.kind = kind
        self.path = path
        self.value = value
    }

    /// Reads `[op, path, value]` from the wire.
    public init(wire: JSONValue) throws {
        guard case .array(let parts) = wire, parts.count >= 2,
              let name = parts[0].stringValue, let kind = Kind(rawValue: name),
              case .array(let rawPath) = parts[1]
        else { throw EditError("malformed edit op \(wire.jsonText.prefix(80))") }
        // A path is as deep as the value it walks, which the parser bounds.
        guard rawPath.count <= JSONParser.maximumDepth else {
            throw EditError("a path of \(rawPath.count) steps (at most \(JSONParser.maximumDepth))")
        }
        var path: [JSONPathComponent] = []
        path.reserveCapacity(rawPath.count)
        for step in rawPath {
            switch step {
            case .string(let key): path.append(.key(key))
            case .number: guard let i = step.intValue else { throw EditError("bad path index \(step.jsonText)") }
                path.append(.index(i))
            default: throw EditError("bad path step \(step.jsonText)")
            }
        }
        self.init(kind, path, parts.count > 2 ? parts[2] : .null)
    }

    /// The op as Gradio writes it on the wire.
    public var wire: JSONValue {
        .array([
            .string(kind.rawValue),
            .array(path.map { step in
                switch step {
                case .index(let i): .number(i)
                case .key(let k): .string(k)
                }
            }),
            value,
        ])
    }
}

/// An edit op that does not fit the value it is applied to.
public struct EditError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    /// Applies Gradio's edit ops in order, in place, as its own clients do.
    ///
    /// Mutation happens in place along the path so a long streamed string stays uniquely
    /// referenced and an `append` costs the length of the appended text, not of the whole value.
    /// One deliberate leniency: Gradio's differ emits `delete` ops for a shrinking list in
    /// ascending index order, which its own clients cannot apply when a list loses two or more
    /// items; here a `delete` at or past the end of a non-empty list removes its last item,
    /// which yields the value the server meant however many items go (with three or more, the
    /// later ascending indices land more than one past the end).
    public mutating func apply(_ operations: [EditOperation]) throws {
        for operation in operations { try apply(operation) }
    }

    public mutating func apply(_ operation: EditOperation) throws {
        // The value built stays as shallow as one the parser accepts, so that walking, copying
        // and freeing it (all recursive) cannot run out of stack however many ops nest it.
        if operation.kind != .delete, operation.path.count + operation.value.nestingDepth > JSONParser.maximumDepth {
            throw EditError("an edit that nests the value deeper than \(JSONParser.maximumDepth) levels")
        }
        try apply(operation, depth: 0)
    }

    private mutating func apply(_ op: EditOperation, depth: Int) throws {
        if depth == op.path.count {
            switch op.kind {
            case .replace:
                self = op.value
            case .append:
                try appendValue(op.value)
            case .add, .delete:
                throw EditError("\(op.kind.rawValue) needs a non-empty path")
            }
            return
        }
        let isLast = depth == op.path.count - 1
        // Each level takes its payload out and leaves `.null` behind while it mutates, so the
        // payload is uniquely referenced and copy-on-write never copies it.
        switch op.path[depth] {
        case .index(let i):
            guard case .array(var elements) = self else {
                throw EditError("path step \(op.path[depth]) does not fit a \(kindName)")
            }
            self = .null
            defer { self = .array(elements) }
            if isLast {
                switch op.kind {
                case .add:
                    guard (0...elements.count).contains(i) else { throw EditError("add index \(i) out of range") }
                    elements.insert(op.value, at: i)
                    return
                case .delete:
                    if elements.indices.contains(i) {
                        elements.remove(at: i)
                    } else if i >= elements.count, !elements.isEmpty {
                        elements.removeLast()
                    } else {
                        throw EditError("delete index \(i) out of range")
                    }
                    return
                case .replace, .append:
                    break
                }
            }
            guard elements.indices.contains(i) else { throw EditError("index \(i) out of range") }
            try elements[i].apply(op, depth: depth + 1)
        case .key(let key):
            guard case .object(var object) = self else {
                throw EditError("path step \(op.path[depth]) does not fit a \(kindName)")
            }
            self = .null
            defer { self = .object(object) }
            if isLast {
                switch op.kind {
                case .add:
                    object[key] = op.value
                    return
                case .delete:
                    guard object.index(of: key) != nil else { throw EditError("no key '\(key)' to delete") }
                    object[key] = nil
                    return
                case .replace:
                    if object.index(of: key) == nil {
                        object[key] = op.value
                        return
                    }
                case .append:
                    break
                }
            }
            guard let index = object.index(of: key) else { throw EditError("no key '\(key)'") }
            try object.modifyValue(at: index) { try $0.apply(op, depth: depth + 1) }
        }
    }

    private mutating func appendValue(_ value: JSONValue) throws {
        if case .string(var text) = self, case .string(let tail) = value {
            self = .null
            text += tail
            self = .string(text)
        } else if case .array(var elements) = self, case .array(let tail) = value {
            self = .null
            elements += tail
            self = .array(elements)
        } else {
            throw EditError("append of \(value.kindName) to \(kindName)")
        }
    }

    /// About as many bytes as the value's text: strings and numbers by their UTF-8, two per
    /// list or object, keys by their UTF-8. O(1) for a string, however long.
    var textSize: Int {
        switch self {
        case .null, .bool: 4
        case .number(let text): text.utf8.count
        case .string(let text): text.utf8.count + 2
        case .array(let elements): elements.reduce(2) { $0 + $1.textSize + 1 }
        case .object(let object): object.members.reduce(2) { $0 + $1.0.utf8.count + 4 + $1.1.textSize }
        }
    }

    /// Levels of lists and objects: 0 for a scalar, 1 for `[1]`, 2 for `[[1]]`.
    var nestingDepth: Int {
        switch self {
        case .array(let elements): 1 + (elements.lazy.map(\.nestingDepth).max() ?? 0)
        case .object(let object): 1 + (object.members.lazy.map(\.1.nestingDepth).max() ?? 0)
        default: 0
        }
    }

    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "list"
        case .object: "object"
        }
    }
}
