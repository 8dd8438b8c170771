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
}
