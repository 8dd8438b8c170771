/// Reads `Decodable` values from Lua values directly (no JSON detour).
///
/// Rules for what Lua makes ambiguous: an empty table decodes as an empty
/// array or an empty map, whichever the type asks for; a table with integer
/// keys 1…n and holes decodes as an array with `nil` in the holes; a number
/// with an integral value decodes as an integer; a missing key and a `nil`
/// are the same. Errors name the path: `messages[2].content: expected a
/// string, got number`.
public struct LuaValueDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: LuaValue) throws -> T {
        try T(from: LuaDecoding(value: value, codingPath: []))
    }

    /// A path and a problem in words, for argument errors.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index + 1)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "value" : out
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        @unknown default:
            return "\(error)"
        }
    }
}

struct LuaDecoding: Decoder {
    let value: LuaValue
    let codingPath: [any CodingKey]

    init(value: LuaValue, codingPath: [any CodingKey]) {
        // A value still to encode is read as the tree it stands for.
        self.value = value.plain
        self.codingPath = codingPath
    }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), got \(value.typeName)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .map(let map): return KeyedDecodingContainer(KeyedReader<Key>(map: map, codingPath: codingPath))
        case .array(let items) where items.isEmpty: return KeyedDecodingContainer(KeyedReader<Key>(map: [:], codingPath: codingPath))
        default: throw mismatch("a table")
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let items): return UnkeyedReader(items: items, codingPath: codingPath)
        case .map(let map):
            // Integer keys 1…n with holes, or an empty table.
            var last = 0
            for key in map.keys {
                guard case .integer(let index) = key, index >= 1, index <= 1_000_000 else { throw mismatch("an array") }
                last = max(last, Int(index))
            }
            return UnkeyedReader(items: (0..<last).map { map[.integer(Int64($0 + 1))] ?? .nil }, codingPath: codingPath)
        default: throw mismatch("an array")
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(decoding: self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type:
            guard case .string(let bytes) = value else { throw mismatch("a string") }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "the string is not UTF-8 text"))
            }
            return try cast(text)
        case is Bool.Type:
            guard case .boolean(let flag) = value else { throw mismatch("a boolean") }
            return try cast(flag)
        case is Double.Type, is Float.Type:
            let number: Double
            switch value {
            case .integer(let int): number = Double(int)
            case .number(let double): number = double
            default: throw mismatch("a number")
            }
            return try cast(type == Float.self ? Float(number) as Any : number as Any)
        case is Int.Type, is Int8.Type, is Int16.Type, is Int32.Type, is Int64.Type, is UInt.Type, is UInt8.Type, is UInt16.Type,
            is UInt32.Type, is UInt64.Type:
            let int: Int64
            switch value {
            case .integer(let v): int = v
            case .number(let v) where v.rounded() == v && abs(v) < 9.2e18: int = Int64(v)
            case .number: throw mismatch("an integer")
            default: throw mismatch("an integer")
            }
            guard let converted = Self.integer(int, as: type) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(int) is out of range"))
            }
            return converted
        default:
            return try T(from: self)
        }
    }

    /// The value as `T`, which the caller has checked it is.
    func cast<T>(_ value: Any) throws -> T {
        guard let typed = value as? T else { throw mismatch(String(describing: T.self)) }
        return typed
    }

    static func integer<T>(_ value: Int64, as type: T.Type) -> T? {
        switch type {
        case is Int.Type: return Int(exactly: value) as? T
        case is Int8.Type: return Int8(exactly: value) as? T
        case is Int16.Type: return Int16(exactly: value) as? T
        case is Int32.Type: return Int32(exactly: value) as? T
        case is Int64.Type: return value as? T
        case is UInt.Type: return UInt(exactly: value) as? T
        case is UInt8.Type: return UInt8(exactly: value) as? T
        case is UInt16.Type: return UInt16(exactly: value) as? T
        case is UInt32.Type: return UInt32(exactly: value) as? T
        case is UInt64.Type: return UInt64(exactly: value) as? T
        default: return nil
        }
    }
}

struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let map: [LuaValue: LuaValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { map.keys.compactMap { $0.text.flatMap(Key.init(stringValue:)) } }

    func contains(_ key: Key) -> Bool { (map[.text(key.stringValue)] ?? .nil) != .nil }

    private func value(_ key: Key) -> LuaValue { map[.text(key.stringValue)] ?? .nil }

    func decodeNil(forKey key: Key) throws -> Bool { value(key) == .nil }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let found = value(key)
        if found == .nil {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try LuaDecoding(value: found, codingPath: codingPath + [key]).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try LuaDecoding(value: value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try LuaDecoding(value: value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { LuaDecoding(value: .map(map), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { LuaDecoding(value: value(key), codingPath: codingPath + [key]) }
}

struct UnkeyedReader: UnkeyedDecodingContainer {
    let items: [LuaValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(items: [LuaValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> (LuaValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "the array ended early"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [LuaKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .nil else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        return try LuaDecoding(value: value, codingPath: path).decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next()
        return try LuaDecoding(value: value, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try LuaDecoding(value: value, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next()
        return LuaDecoding(value: value, codingPath: path)
    }
}

struct SingleReader: SingleValueDecodingContainer {
    let decoding: LuaDecoding
    var codingPath: [any CodingKey] { decoding.codingPath }

    func decodeNil() -> Bool { decoding.value == .nil }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoding.decode(type) }
}
