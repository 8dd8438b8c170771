import CLua
import CLuaShim

/// Functions and values the host gives scripts: global and nested (`px.conversations.list`),
/// synchronous and async, and the metatables its errors are raised with.
extension LuaState {
    /// Sets a global function.
    public func register(_ name: String, _ body: @escaping LuaSwiftFunction) {
        setGlobal(name, .sync(body))
    }

    /// Sets an async global function: the calling coroutine waits for the
    /// work while the host runs it (`runAsync`).
    public func registerAsync(_ name: String, in table: String? = nil, _ body: @escaping LuaAsyncFunction) {
        if let table {
            setField(name, in: table, .async(body, pending))
        } else {
            setGlobal(name, .async(body, pending))
        }
    }

    func setGlobal(_ name: String, _ kind: LuaFunctionBox.Kind) {
        withHostAllocations {
            pushFunction(name: name, kind)
            lua_setglobal(L, name)
        }
    }

    /// Sets `table.name` in the global table `table` (created when missing).
    public func register(_ name: String, in table: String, _ body: @escaping LuaSwiftFunction) {
        setField(name, in: table, .sync(body))
    }

    /// `table` is a global name or a dotted path (`px.conversations`); the
    /// tables on the way are created when missing.
    func setField(_ name: String, in table: String, _ kind: LuaFunctionBox.Kind) {
        withHostAllocations {
            pushTable(path: table)
            pushFunction(name: name, kind)
            lua_setfield(L, -2, name)
            pxl_pop(L, 1)
        }
    }

    /// Pushes the table at a dotted path of globals, creating what is missing.
    func pushTable(path: String) {
        pxl_pushglobaltable(L)
        for part in path.split(separator: ".").map(String.init) {
            if lua_getfield(L, -1, part) != LUA_TTABLE {
                pxl_pop(L, 1)
                pxl_newtable(L)
                lua_pushvalue(L, -1)
                lua_setfield(L, -3, part)
            }
            lua_rotate(L, -2, -1)
            pxl_pop(L, 1)
        }
    }

    /// Sets a plain value at `table.name` (a dotted path of globals, like `px`).
    public func setValue(_ value: LuaValue, named name: String, in table: String) {
        withHostAllocations {
            pushTable(path: table)
            LuaStack.push(L, value)
            lua_setfield(L, -2, name)
            pxl_pop(L, 1)
        }
    }

    /// Runs `source` (a chunk returning a table) and keeps its result in the
    /// registry as the metatable `name`, for `LuaScriptError(raising:metatable:)`.
    public func defineMetatable(_ name: String, source: String) throws {
        resetLimits()
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        try load(source, chunkName: "=(\(name))", on: L)
        guard pxl_pcall(L, 0, 1, 0) == LUA_OK, lua_type(L, -1) == LUA_TTABLE else {
            throw LuaError.setup("cannot define the metatable \(name): \(LuaStack.text(L, -1))")
        }
        lua_setfield(L, pxl_registryindex(), name)
    }

    /// Registers `table.function(t)`, which gives the table `t` the metatable `name` (one
    /// `defineMetatable` made), `__gc` included. A script's `setmetatable` refuses finalizers (the
    /// instruction limit does not reach into them); the host's metatables hold its own short code,
    /// such as closing what a dropped iterator held.
    public func registerMetatableSetter(_ function: String, in table: String, metatable name: String) {
        register(function, in: table) { args in
            let L = args.L
            guard lua_type(L, 1) == LUA_TTABLE else { throw LuaScriptError("bad argument #1 to '\(function)' (table expected)") }
            guard lua_getfield(L, pxl_registryindex(), name) == LUA_TTABLE else {
                pxl_pop(L, 1)
                throw LuaScriptError("'\(function)': no metatable \(name)")
            }
            lua_setmetatable(L, 1)
            return []
        }
    }
}
