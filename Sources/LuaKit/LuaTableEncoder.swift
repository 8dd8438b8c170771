import CLua
import CLuaShim

/// Encodes `Encodable` values straight into Lua tables on the stack, by the
/// rules of `LuaValueEncoder` (integers stay integers, a `nil` field is left
/// out, at most 64 levels). Nothing is built beside the tables: a value's
/// table is made when its container is asked for and filled as the value
/// encodes itself ("decode once").
///
/// Only called while the host may allocate past the memory cap (pushing a
/// host call's results), so no Lua call here can raise.
final class LuaTableEncoder {
    let L: OpaquePointer
    let adding: LuaEncoded.Adding?
    /// Where a container goes when the stack cannot grow for it: written
    /// to, thrown away, and the encoding fails (a container cannot throw).
    let scratch: Int32
    var stackFull = false

    init(_ L: OpaquePointer, adding: LuaEncoded.Adding?, scratch: Int32) {
        self.L = L
        self.adding = adding
        self.scratch = scratch
    }

    /// Pushes `value`'s encoding: exactly one more slot, or none and false
    /// when it could not be encoded (too deep, a number Lua cannot hold).
    static func push(_ L: OpaquePointer, _ encoded: LuaEncoded) -> Bool {
        let top = lua_gettop(L)
        guard lua_checkstack(L, 8) != 0 else { return false }
        lua_createtable(L, 0, 0)
        do {
            let encoder = LuaTableEncoder(L, adding: encoded.adding, scratch: top + 1)
            try encoder.push(encoded.value, path: [])
            guard !encoder.stackFull else { throw tooDeep([]) }
            lua_copy(L, -1, top + 1)
            pxl_pop(L, 1)
            return true
        } catch {
            lua_settop(L, top)
            return false
        }
    }

    /// Pushes one value: a leaf, or the table its containers filled (nil when it encoded nothing).
    func push<T: Encodable>(_ value: T, path: [any CodingKey]) throws {
        try LuaEncoding.checkDepth(path)
        guard lua_checkstack(L, 8) != 0 else { throw LuaTableEncoder.tooDeep(path) }
        if try pushLeaf(value, path: path) { return }
        let base = lua_gettop(L)
        let slot = Slot(owner: nil)
        try value.encode(to: LuaTableEncoding(encoder: self, slot: slot, codingPath: path))
        // The host may allocate past the script's memory limit, but not build a whole answer past it.
        guard pxl_memory_passed(L) == 0 else { throw LuaTableEncoder.tooLarge(path) }
        guard let index = slot.index else {
            lua_settop(L, base)
            lua_pushnil(L)
            return
        }
        // The value's table may sit below nested containers' tables: it alone is kept.
        if index != base + 1 {
            lua_pushvalue(L, index)
            lua_copy(L, -1, base + 1)
            pxl_pop(L, 1)
        }
        lua_settop(L, base + 1)
        if slot.keyed, let fields = adding?(value) {
            for (key, field) in fields {
                pushKey(key)
                guard LuaStack.push(L, field) else { throw LuaTableEncoder.tooDeep(path) }
                lua_rawset(L, -3)
            }
        }
    }

    /// Strings are pushed from their own storage, with no copy on the way.
    private func pushLeaf<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> Bool {
        if var text = value as? String {
            text.withUTF8 { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
            return true
        }
        guard let leaf = try LuaEncoding.leafValue(value, path: path) else { return false }
        LuaStack.push(L, leaf)
        return true
    }

    func pushKey(_ key: String) {
        var key = key
        key.withUTF8 { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
    }

    static func tooLarge(_ path: [any CodingKey]) -> EncodingError {
        .invalidValue(LuaValue.nil, .init(codingPath: path, debugDescription: "more than the script's memory limit"))
    }

    static func tooDeep(_ path: [any CodingKey]) -> EncodingError {
        .invalidValue(LuaValue.nil, .init(codingPath: path, debugDescription: "nested more than \(LuaValueEncoder.maximumDepth) levels"))
    }

    /// Where one value's encoding is: its stack index once a container or a
    /// single value made it, and the table it must also be stored in when
    /// it is a super encoder's (whose caller never stores it).
    final class Slot {
        var index: Int32?
        var keyed = false
        let owner: (table: Int32, key: LuaValue)?
        init(owner: (table: Int32, key: LuaValue)?) { self.owner = owner }
    }
}

/// The `Encoder` of one value.
struct LuaTableEncoding: Encoder {
    let encoder: LuaTableEncoder
    let slot: LuaTableEncoder.Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The value's table (made at the top of the stack the first time), at its absolute index.
    func table(keyed: Bool) -> Int32 {
        let L = encoder.L
        if let index = slot.index, lua_type(L, index) == LUA_TTABLE, slot.keyed == keyed { return index }
        guard lua_checkstack(L, 8) != 0 else {
            encoder.stackFull = true
            return encoder.scratch
        }
        lua_createtable(L, 0, 0)
        let index = lua_gettop(L)
        slot.index = index
        slot.keyed = keyed
        store(index)
        return index
    }

    /// A super encoder's value goes into its owner's table as soon as it exists.
    func store(_ index: Int32) {
        guard let (table, key) = slot.owner else { return }
        LuaStack.push(encoder.L, key)
        lua_pushvalue(encoder.L, index)
        lua_rawset(encoder.L, table)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(LuaKeyedTable<Key>(encoder: encoder, index: table(keyed: true), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let index = table(keyed: false)
        return LuaUnkeyedTable(encoder: encoder, index: index, count: Int(lua_rawlen(encoder.L, index)), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { LuaSingleSlot(encoding: self) }
}

struct LuaKeyedTable<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: LuaTableEncoder
    let index: Int32
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        encoder.pushKey(key.stringValue)
        lua_pushnil(encoder.L)
        lua_rawset(encoder.L, index)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        encoder.pushKey(key.stringValue)
        try encoder.push(value, path: codingPath + [key])
        lua_rawset(encoder.L, index)
    }

    /// A nested container's table is stored at once and filled in place (a table is a reference).
    private func nested(_ key: Key, keyed: Bool) -> LuaTableEncoding {
        let slot = LuaTableEncoder.Slot(owner: (index, .text(key.stringValue)))
        let encoding = LuaTableEncoding(encoder: encoder, slot: slot, codingPath: codingPath + [key])
        _ = encoding.table(keyed: keyed)
        return encoding
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        nested(key, keyed: true).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        nested(key, keyed: false).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        LuaTableEncoding(encoder: encoder, slot: .init(owner: (index, .text("super"))), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        LuaTableEncoding(encoder: encoder, slot: .init(owner: (index, .text(key.stringValue))), codingPath: codingPath + [key])
    }
}

struct LuaUnkeyedTable: UnkeyedEncodingContainer {
    let encoder: LuaTableEncoder
    let index: Int32
    /// Items so far; a `nil` item leaves a hole and still counts.
    var count: Int
    let codingPath: [any CodingKey]

    private mutating func next() -> (key: LuaKey, position: lua_Integer) {
        count += 1
        return (LuaKey(count - 1), lua_Integer(count))
    }

    mutating func encodeNil() throws { count += 1 }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let (key, position) = next()
        try encoder.push(value, path: codingPath + [key])
        lua_rawseti(encoder.L, index, position)
    }

    private mutating func nested(keyed: Bool) -> LuaTableEncoding {
        let (key, position) = next()
        let encoding = LuaTableEncoding(encoder: encoder, slot: .init(owner: (index, .integer(position))), codingPath: codingPath + [key])
        _ = encoding.table(keyed: keyed)
        return encoding
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nested(keyed: true).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { nested(keyed: false).unkeyedContainer() }

    mutating func superEncoder() -> any Encoder {
        let (key, position) = next()
        return LuaTableEncoding(encoder: encoder, slot: .init(owner: (index, .integer(position))), codingPath: codingPath + [key])
    }
}

struct LuaSingleSlot: SingleValueEncodingContainer {
    let encoding: LuaTableEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }

    mutating func encodeNil() throws {
        lua_pushnil(encoding.encoder.L)
        place()
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoding.encoder.push(value, path: codingPath)
        place()
    }

    /// The value just pushed is the slot's (replacing one encoded before).
    private func place() {
        let L = encoding.encoder.L
        let slot = encoding.slot
        if let index = slot.index, index == lua_gettop(L) - 1 {
            lua_copy(L, -1, index)
            pxl_pop(L, 1)
        } else {
            slot.index = lua_gettop(L)
        }
        slot.keyed = false
        encoding.store(slot.index!)
    }
}
