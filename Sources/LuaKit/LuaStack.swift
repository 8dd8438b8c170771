import CLua
import CLuaShim

/// Moving values between Swift and the Lua stack. Only called while the
/// host may allocate past the memory cap (inside a Swift function, or
/// before a protected call), so none of these pushes can raise.
enum LuaStack {
    /// Tables nested deeper than this are refused, never a crash.
    static let maximumDepth = 64

    static func text(_ L: OpaquePointer, _ index: Int32) -> String {
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    static func bytes(_ L: OpaquePointer, _ index: Int32) -> [UInt8] {
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// The value at `index` as a `LuaValue`; tables are walked (cycles and
    /// excessive depth become `.opaque`).
    /// Bytes a copy into Swift may take (`LuaArguments.value`): the strings'
    /// bytes and a fixed cost per value. Once spent the copy stops early.
    final class CopyBudget {
        var remaining: Int
        var exceeded = false
        init(_ bytes: Int) { remaining = bytes }

        /// Takes `bytes`; false (and exceeded) once spent.
        func take(_ bytes: Int) -> Bool {
            guard !exceeded else { return false }
            remaining -= bytes
            if remaining < 0 { exceeded = true }
            return !exceeded
        }
    }

    static func value(_ L: OpaquePointer, _ index: Int32, depth: Int, budget: CopyBudget? = nil) -> LuaValue {
        let index = lua_absindex(L, index)
        if let budget, !budget.take(16) { return .nil }
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .integer(lua_tointegerx(L, index, nil)) }
            return .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            if let budget {
                var length = 0
                _ = lua_tolstring(L, index, &length)
                guard budget.take(length) else { return .nil }
            }
            return .string(bytes(L, index))
        case LUA_TTABLE:
            guard depth < maximumDepth, lua_checkstack(L, 3) != 0 else { return .opaque("a table nested over 64 levels (or a cycle)") }
            var pairs: [LuaValue: LuaValue] = [:]
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                if budget?.exceeded == true {
                    pxl_pop(L, 2)
                    break
                }
                // Keys are read without conversion: lua_tolstring on a numeric key would confuse lua_next.
                lua_pushvalue(L, -2)
                let key = value(L, -1, depth: depth + 1, budget: budget)
                pxl_pop(L, 1)
                pairs[key] = value(L, -1, depth: depth + 1, budget: budget)
                pxl_pop(L, 1)
            }
            let count = pairs.count
            if count > 0, (1...count).allSatisfy({ pairs[.integer(Int64($0))] != nil }) {
                return .array((1...count).map { pairs[.integer(Int64($0))] ?? .nil })
            }
            return .map(pairs)
        default:
            return .opaque(String(cString: lua_typename(L, lua_type(L, index))))
        }
    }

    /// Pushes `value`, one slot; false, with nothing pushed, when it is nested too deeply or the
    /// stack cannot grow (the caller reports it). Never half a table: a table whose push failed
    /// part way would reach the script with whichever fields came first.
    @discardableResult
    static func push(_ L: OpaquePointer, _ value: LuaValue) -> Bool {
        let top = lua_gettop(L)
        guard push(L, value, depth: 0) else {
            lua_settop(L, top)
            return false
        }
        return true
    }

    /// Why a push failed, for the script's error.
    static func failure(_ L: OpaquePointer) -> String {
        pxl_memory_passed(L) != 0
            ? "memory limit reached: the value is larger than the script may hold (raise it with --max-memory)"
            : "the value is nested too deeply for Lua (more than \(maximumDepth) levels)"
    }

    private static func push(_ L: OpaquePointer, _ value: LuaValue, depth: Int) -> Bool {
        guard depth < maximumDepth, lua_checkstack(L, 3) != 0 else { return false }
        switch value {
        case .nil, .opaque: lua_pushnil(L)
        case .boolean(let flag): lua_pushboolean(L, flag ? 1 : 0)
        case .integer(let number): lua_pushinteger(L, number)
        case .number(let number): lua_pushnumber(L, number)
        case .string(let bytes): bytes.withUnsafeBufferPointer { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        case .encoded(let value): return LuaTableEncoder.push(L, value)
        case .array(let items):
            lua_createtable(L, Int32(clamping: items.count), 0)
            for (offset, item) in items.enumerated() {
                guard push(L, item, depth: depth + 1) else { return false }
                lua_rawseti(L, -2, lua_Integer(offset + 1))
            }
        case .map(let pairs):
            lua_createtable(L, 0, Int32(clamping: pairs.count))
            for (key, item) in pairs where key != .nil {
                guard push(L, key, depth: depth + 1), push(L, item, depth: depth + 1) else { return false }
                lua_rawset(L, -3)
            }
        }
        return true
    }
}
