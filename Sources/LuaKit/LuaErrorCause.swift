import CLua
import CLuaShim

/// What a script's error was, when it was a table (CONVENTIONS "Errors keep
/// their type across Lua", mlua's `CallbackError { cause }`): its `code`,
/// `status` and `message` fields, read raw (no metamethod runs), and whether
/// the host itself raised that very table (a px error, passed through or
/// re-raised by the script) rather than the script building one that looks
/// alike. Decisions are made on this value, never on an error's text.
public struct LuaErrorCause: Sendable, Hashable {
    public let code: String?
    public let status: Int64?
    public let message: String?
    /// A finer kind within the code, and the underlying detail, where the host gives them
    /// (a `LOCAL_FAULT`'s `kind = "full"` and the system's own words).
    public let kind: String?
    public let detail: String?
    /// The table is one the host raised (`LuaScriptError(raising:…)`).
    public let raisedByHost: Bool

    public init(code: String?, status: Int64?, message: String?, kind: String? = nil, detail: String? = nil, raisedByHost: Bool) {
        self.code = code
        self.status = status
        self.message = message
        self.kind = kind
        self.detail = detail
        self.raisedByHost = raisedByHost
    }

    /// The registry key of the weak-keyed set of tables the host raised.
    static let raisedKey = "pxl.raised"
    /// The registry key where the synchronous runs' message handler keeps
    /// the error object before turning it into text.
    static let lastErrorKey = "pxl.lasterror"
    /// Longest field text kept: a cause is for decisions, not for display.
    static let maxFieldBytes = 256

    /// Marks the table on top of `L`'s stack as raised by the host.
    static func markRaised(_ L: OpaquePointer) {
        guard lua_checkstack(L, 4) != 0 else { return }
        if lua_getfield(L, pxl_registryindex(), raisedKey) != LUA_TTABLE {
            pxl_pop(L, 1)
            lua_createtable(L, 0, 4)
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "k")
            lua_setfield(L, -2, "__mode")
            lua_setmetatable(L, -2)
            lua_pushvalue(L, -1)
            lua_setfield(L, pxl_registryindex(), raisedKey)
        }
        lua_pushvalue(L, -2)
        lua_pushboolean(L, 1)
        lua_rawset(L, -3)
        pxl_pop(L, 1)
    }

    /// The cause of the error object at `index` of `L`, nil unless it is a table.
    static func read(_ L: OpaquePointer, at index: Int32) -> LuaErrorCause? {
        guard lua_type(L, index) == LUA_TTABLE, lua_checkstack(L, 4) != 0 else { return nil }
        let table = lua_absindex(L, index)
        func field(_ name: String) -> (String?, Int64?) {
            lua_pushstring(L, name)
            defer { pxl_pop(L, 1) }
            switch lua_rawget(L, table) {
            case LUA_TSTRING:
                var length = 0
                guard let bytes = lua_tolstring(L, -1, &length) else { return (nil, nil) }
                let kept = UnsafeRawBufferPointer(start: bytes, count: min(length, maxFieldBytes))
                return (String(decoding: kept, as: UTF8.self), nil)
            case LUA_TNUMBER:
                var isInteger: Int32 = 0
                let value = lua_tointegerx(L, -1, &isInteger)
                return (nil, isInteger != 0 ? value : nil)
            default:
                return (nil, nil)
            }
        }
        var raised = false
        if lua_getfield(L, pxl_registryindex(), raisedKey) == LUA_TTABLE {
            lua_pushvalue(L, table)
            raised = lua_rawget(L, -2) == LUA_TBOOLEAN
            pxl_pop(L, 1)
        }
        pxl_pop(L, 1)
        return LuaErrorCause(
            code: field("code").0, status: field("status").1, message: field("message").0, kind: field("kind").0, detail: field("detail").0,
            raisedByHost: raised)
    }
}
