/// Turns `Encodable` values into Lua values directly (no JSON detour).
///
/// Rules: integers stay integers, floating point numbers become numbers;
/// keyed containers become maps with string keys, unkeyed ones arrays; a
/// `nil` in a keyed container leaves the key out (Lua has no nil values in
/// tables), a `nil` in an array becomes a hole. Nesting deeper than 64 levels
/// is an error, never a crash. `adding` puts fields of the host's on the
/// table of each nested value it names (`LuaEncoded.Adding`).
public struct LuaValueEncoder: Sendable {
    public static let maximumDepth = 64
    let adding: LuaEncoded.Adding?

    public init(adding: LuaEncoded.Adding? = nil) { self.adding = adding }

    public func encode<T: Encodable>(_ value: T) throws -> LuaValue {
        let node = EncodingNode()
        try LuaEncoding.encode(value, into: node, path: [], adding: adding)
        return try node.resolve(path: [])
    }
}

/// A value being built; containers fill it in. Children live in the node's
/// own arrays (not in an enum payload) so appending never copies them.
final class EncodingNode {
    enum Kind { case empty, value, keyed, unkeyed }

    var kind = Kind.empty
    var value = LuaValue.nil
    /// For `.keyed`: the keys, parallel to `children`; a key encoded twice keeps its last value.
    var keys: [String] = []
    var children: [EncodingNode] = []

    func set(_ leaf: LuaValue) {
        kind = .value
        value = leaf
    }

    /// Makes the node a container of `kind` (kept if it already is one).
    func become(_ container: Kind) {
        guard kind != container else { return }
        kind = container
        keys = []
        children = []
    }

    func resolve(path: [any CodingKey]) throws -> LuaValue {
        try resolve(depth: 0) { path }
    }

    /// `path` is only built when an error needs it.
    private func resolve(depth: Int, path: () -> [any CodingKey]) throws -> LuaValue {
        guard depth <= LuaValueEncoder.maximumDepth else {
            throw EncodingError.invalidValue(
                LuaValue.nil, .init(codingPath: path(), debugDescription: "nested more than \(LuaValueEncoder.maximumDepth) levels"))
        }
        switch kind {
        case .empty: return .nil
        case .value: return value
        case .keyed:
            var map: [LuaValue: LuaValue] = .init(minimumCapacity: keys.count)
            for (key, node) in zip(keys, children) {
                let value = try node.resolve(depth: depth + 1) { path() + [LuaKey(key)] }
                map[.text(key)] = value == .nil ? nil : value
            }
            return .map(map)
        case .unkeyed:
            var items: [LuaValue] = []
            items.reserveCapacity(children.count)
            for (offset, node) in children.enumerated() {
                items.append(try node.resolve(depth: depth + 1) { path() + [LuaKey(offset)] })
            }
            return .array(items)
        }
    }
}

struct LuaKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(_ string: String) { stringValue = string; intValue = nil }
    init(_ int: Int) { stringValue = String(int); intValue = int }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

struct LuaEncoding: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let adding: LuaEncoded.Adding?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.become(.keyed)
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath, adding: adding))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.become(.unkeyed)
        return UnkeyedContainer(node: node, codingPath: codingPath, adding: adding)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath, adding: adding) }

    static func checkDepth(_ path: [any CodingKey]) throws {
        guard path.count <= LuaValueEncoder.maximumDepth else {
            throw EncodingError.invalidValue(
                LuaValue.nil, .init(codingPath: path, debugDescription: "nested more than \(LuaValueEncoder.maximumDepth) levels"))
        }
    }

    /// Encodes a leaf or a nested value into `node`.
    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, path: [any CodingKey], adding: LuaEncoded.Adding?) throws {
        try checkDepth(path)
        if let leaf = try leafValue(value, path: path) {
            node.set(leaf)
            return
        }
        try value.encode(to: LuaEncoding(node: node, codingPath: path, adding: adding))
        guard node.kind == .keyed, let fields = adding?(value) else { return }
        for (key, field) in fields {
            let child = EncodingNode()
            child.set(field)
            node.keys.append(key)
            node.children.append(child)
        }
    }

    static func leafValue<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> LuaValue? {
        switch value {
        case let v as String: return .text(v)
        case let v as Bool: return .boolean(v)
        case let v as Int: return .integer(Int64(v))
        case let v as Int8: return .integer(Int64(v))
        case let v as Int16: return .integer(Int64(v))
        case let v as Int32: return .integer(Int64(v))
        case let v as Int64: return .integer(v)
        case let v as UInt8: return .integer(Int64(v))
        case let v as UInt16: return .integer(Int64(v))
        case let v as UInt32: return .integer(Int64(v))
        case let v as UInt: return try unsigned(UInt64(v), path)
        case let v as UInt64: return try unsigned(v, path)
        case let v as Double: return .number(v)
        case let v as Float: return .number(Double(v))
        default: return nil
        }
    }

    static func unsigned(_ value: UInt64, _ path: [any CodingKey]) throws -> LuaValue {
        guard value <= UInt64(Int64.max) else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(value) does not fit a Lua integer"))
        }
        return .integer(Int64(value))
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let adding: LuaEncoded.Adding?

    private func append(_ key: Key) -> EncodingNode {
        let child = EncodingNode()
        if node.kind == .keyed {
            node.keys.append(key.stringValue)
            node.children.append(child)
        }
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { _ = append(key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try LuaEncoding.encode(value, into: append(key), path: codingPath + [key], adding: adding)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        LuaEncoding(node: append(key), codingPath: codingPath + [key], adding: adding).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        LuaEncoding(node: append(key), codingPath: codingPath + [key], adding: adding).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { LuaEncoding(node: append(Key(stringValue: "super")!), codingPath: codingPath, adding: adding) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { LuaEncoding(node: append(key), codingPath: codingPath + [key], adding: adding) }
}

struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let adding: LuaEncoded.Adding?

    var count: Int { node.kind == .unkeyed ? node.children.count : 0 }

    private func append() -> EncodingNode {
        let child = EncodingNode()
        if node.kind == .unkeyed { node.children.append(child) }
        return child
    }

    mutating func encodeNil() throws { _ = append() }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let key = LuaKey(count)
        try LuaEncoding.encode(value, into: append(), path: codingPath + [key], adding: adding)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = LuaKey(count)
        return LuaEncoding(node: append(), codingPath: codingPath + [key], adding: adding).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = LuaKey(count)
        return LuaEncoding(node: append(), codingPath: codingPath + [key], adding: adding).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { LuaEncoding(node: append(), codingPath: codingPath, adding: adding) }
}

struct SingleContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let adding: LuaEncoded.Adding?

    mutating func encodeNil() throws { node.set(.nil) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try LuaEncoding.encode(value, into: node, path: codingPath, adding: adding)
    }
}
