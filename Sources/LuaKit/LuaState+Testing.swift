import CLua
import CLuaShim

extension LuaState {
    /// Sets the global `__stock` to Lua's own string.find/match/gmatch/gsub,
    /// kept aside by the sandbox, so tests and benchmarks can compare the
    /// budgeted matcher with them. Never called by the runtime: the stock
    /// functions have no budget.
    public func exposeStockPatternsForTesting() {
        lua_getfield(L, pxl_registryindex(), "pxscript.stock_patterns")
        lua_setglobal(L, "__stock")
    }

    /// Sets the global `name` to a plain `lua_CFunction`, for benchmarks that
    /// compare the binding with the raw C API. Never called by the runtime:
    /// a C function has none of the trampoline's protections.
    public func registerCFunctionForTesting(_ name: String, _ function: @convention(c) (OpaquePointer?) -> Int32) {
        lua_pushcclosure(L, function, 0)
        lua_setglobal(L, name)
    }
}
