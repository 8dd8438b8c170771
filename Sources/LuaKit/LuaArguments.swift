import CLua
import CLuaShim

/// The arguments of a Swift function called from Lua, with checks worded
/// like Lua's own library: `bad argument #1 to 'send' (string expected, got nil)`.
public struct LuaArguments {
    let L: OpaquePointer
    /// Not retained: the state keeps every box alive, and a call never
    /// outlives its state. Saves a retain/release pair per call.
    unowned(unsafe) let box: LuaFunctionBox

    /// The function's name, for messages.
    public var function: String { box.name }

    /// `file:line` of the script line that called (empty when called from C),
    /// for plans and logs.
    public var position: String {
        String(LuaDispatch.positioned("", in: L).dropLast(2))
    }

    /// The id of the run that called (0 outside one): what `LuaState.call(…, sharing:)`
    /// takes to charge work this run hands out (`px.map`) to its budget. The host's own
    /// notion of a run (which handler run a px function serves) is its business, kept in Swift.
    public var runID: Int64 { pxl_get_limits(L)?.pointee.tag ?? 0 }

    /// How many arguments were passed.
    public var count: Int { Int(lua_gettop(L)) }

    /// The value at `position` (1-based), converted: a copy into Swift, so
    /// it may take at most the state's memory cap (a table whose thousand
    /// slots hold one large string becomes a thousand copies here).
    /// - Throws: the memory limit's error (sticky for the run) past the cap.
    public func value(_ position: Int) throws -> LuaValue {
        let limit = memoryLimit
        let budget = LuaStack.CopyBudget(limit)
        let value = LuaStack.value(L, Int32(position), depth: 0, budget: budget)
        if budget.exceeded { try exceedMemory(by: limit) }
        return value
    }

    /// A required string (numbers are accepted and converted, as Lua does).
    public func string(_ position: Int) throws -> String {
        let type = lua_type(L, Int32(position))
        guard type == LUA_TSTRING || type == LUA_TNUMBER else { throw typeError(position, expected: "string") }
        return LuaStack.text(L, Int32(position))
    }

    /// An optional string: nil when absent or nil.
    public func optionalString(_ position: Int) throws -> String? {
        pxl_isnoneornil(L, Int32(position)) != 0 ? nil : try string(position)
    }

    /// A required integer (a float with an exact integer value is accepted).
    public func integer(_ position: Int) throws -> Int64 {
        var isInteger: Int32 = 0
        let value = pxl_tointeger(L, Int32(position), &isInteger)
        guard isInteger != 0 else {
            if lua_type(L, Int32(position)) == LUA_TNUMBER {
                throw LuaScriptError("bad argument #\(position) to '\(function)' (number has no integer representation)")
            }
            throw typeError(position, expected: "number")
        }
        return value
    }

    /// A required number.
    public func number(_ position: Int) throws -> Double {
        guard lua_type(L, Int32(position)) == LUA_TNUMBER else { throw typeError(position, expected: "number") }
        return pxl_tonumber(L, Int32(position))
    }

    /// A required table, converted.
    public func table(_ position: Int) throws -> LuaValue {
        guard lua_type(L, Int32(position)) == LUA_TTABLE else { throw typeError(position, expected: "table") }
        return try value(position)
    }

    /// A required function, kept in the registry until the state releases it
    /// (`LuaState.release(_:)`). The corresponding C function is `luaL_ref`.
    public func function(_ position: Int) throws -> LuaReference {
        guard lua_type(L, Int32(position)) == LUA_TFUNCTION else { throw typeError(position, expected: "function") }
        lua_pushvalue(L, Int32(position))
        return LuaReference(id: luaL_ref(L, pxl_registryindex()))
    }

    /// The error Lua's `luaL_typeerror` would raise.
    public func typeError(_ position: Int, expected: String) -> LuaScriptError {
        let got = lua_type(L, Int32(position)) == LUA_TNONE ? "no value" : String(cString: lua_typename(L, lua_type(L, Int32(position))))
        return LuaScriptError("bad argument #\(position) to '\(function)' (\(expected) expected, got \(got))")
    }
}
