// Library functions whose work grows with an argument rather than with
// their output, made to pay for it (docs/spec.md §3: no script can hang the host
// inside one library call, where the count hook never fires).
//
// The rule: a loop that runs Lua code at each step (a metamethod or a
// comparator written in Lua) is already counted by the hook; a loop that
// runs only C (plain tables, C functions as metamethods or comparators) is
// charged to the run's instruction budget before it starts (table.move,
// insert, remove) or at each step (table.sort's comparisons). The stock
// functions then run unchanged, so results and error messages stay stock
// Lua's. docs/lua-runtime.md lists every allowed function and why it is
// bounded.

#include "CLuaShim.h"
#include <string.h>

void pxl_charge(lua_State *L, long long units) {
    pxl_limits *limits = pxl_get_limits(L);
    if (!limits || units <= 0) return;
    limits->remaining = units >= limits->remaining ? 0 : limits->remaining - units;
    if (limits->remaining <= 0 || limits->exhausted) {
        limits->exhausted = 1;
        luaL_error(L, "instruction limit reached: the run used more than %I instructions (raise it with --max-instructions)",
                   (lua_Integer)limits->limit);
    }
}

/// The stock C functions, called in the wrapper's own frame so that their
/// results and error messages ("bad argument #2 to 'rep'") are stock Lua's.
/// The same pointers for every state: set once per process.
static lua_CFunction stock_rep, stock_move, stock_insert, stock_remove, stock_sort;

/// Whether reading (`__index`) or writing (`__newindex`) absent keys of the
/// value at `index` runs a Lua function, which the count hook charges.
static int runs_lua(lua_State *L, int index, const char *event) {
    if (lua_type(L, index) != LUA_TTABLE && lua_type(L, index) != LUA_TNONE) return 1;  // stock refuses or errors first
    if (!lua_getmetatable(L, index)) return 0;
    lua_getfield(L, -1, event);
    int lua = lua_type(L, -1) == LUA_TFUNCTION && !lua_iscfunction(L, -1);
    int table = lua_type(L, -1) == LUA_TTABLE;
    lua_pop(L, 2);
    // A table as metamethod is looked up in turn: only a chain ending in Lua is charged by the hook.
    (void)table;
    return lua;
}

/// The length `t` reports (its `__len` runs here, as the stock function's
/// does), or 0 when it is not an integer (the stock function then errors).
static lua_Integer reported_length(lua_State *L, int index) {
    lua_len(L, index);
    int isnum = 0;
    lua_Integer n = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    return isnum ? n : 0;
}

/// string.rep(s, n, sep): stock loops n times even when the result is empty.
static int bounded_rep(lua_State *L) {
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    return stock_rep(L);  // a non-empty result is bounded by the memory cap
}

/// table.move(a1, f, e, t [, a2]): e - f + 1 reads and writes.
static int bounded_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3), t = luaL_checkinteger(L, 4);
    int destination = lua_isnoneornil(L, 5) ? 1 : 5;
    // The stock function's own range checks come first, with its words.
    if (e >= f && (f > 0 || e < LUA_MAXINTEGER + f) && t <= LUA_MAXINTEGER - (e - f + 1) + 1
        && !runs_lua(L, 1, "__index") && !runs_lua(L, destination, "__newindex")) {
        pxl_charge(L, (long long)(e - f) + 1);
    }
    return stock_move(L);
}

/// table.insert(t, pos, v): #t - pos + 1 shifts.
static int bounded_insert(lua_State *L) {
    if (lua_gettop(L) == 3 && lua_type(L, 1) == LUA_TTABLE && lua_isinteger(L, 2)
        && !runs_lua(L, 1, "__index") && !runs_lua(L, 1, "__newindex")) {
        lua_Integer end = reported_length(L, 1), pos = lua_tointeger(L, 2);
        if (pos >= 1 && pos <= end) pxl_charge(L, (long long)(end - pos) + 1);
    }
    return stock_insert(L);
}

/// table.remove(t, pos): #t - pos shifts.
static int bounded_remove(lua_State *L) {
    if (lua_gettop(L) >= 2 && lua_type(L, 1) == LUA_TTABLE && lua_isinteger(L, 2)
        && !runs_lua(L, 1, "__index") && !runs_lua(L, 1, "__newindex")) {
        lua_Integer size = reported_length(L, 1), pos = lua_tointeger(L, 2);
        if (pos >= 1 && pos < size) pxl_charge(L, (long long)(size - pos));
    }
    return stock_remove(L);
}

/// The comparison table.sort makes, one unit each: the script's function
/// (upvalue 1), or `<` when it gave none.
static int charged_compare(lua_State *L) {
    pxl_charge(L, 1);
    if (lua_isnil(L, lua_upvalueindex(1))) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/// table.sort(t [, comp]): every comparison is charged, whatever makes it.
static int bounded_sort(lua_State *L) {
    if (lua_isnoneornil(L, 2) || lua_type(L, 2) == LUA_TFUNCTION) {
        lua_settop(L, 2);
        lua_pushcclosure(L, charged_compare, 1);
    }
    return stock_sort(L);
}

void pxl_install_bounded(lua_State *L) {
    const struct { const char *library, *name; lua_CFunction replacement; lua_CFunction *stock; } wrapped[] = {
        {"string", "rep", bounded_rep, &stock_rep},         {"table", "move", bounded_move, &stock_move},
        {"table", "insert", bounded_insert, &stock_insert}, {"table", "remove", bounded_remove, &stock_remove},
        {"table", "sort", bounded_sort, &stock_sort},       {NULL, NULL, NULL, NULL},
    };
    for (int k = 0; wrapped[k].library; k++) {
        lua_getglobal(L, wrapped[k].library);
        lua_getfield(L, -1, wrapped[k].name);
        lua_CFunction stock = lua_tocfunction(L, -1);
        lua_pop(L, 1);
        if (stock && stock != wrapped[k].replacement) *wrapped[k].stock = stock;
        lua_pushcfunction(L, wrapped[k].replacement);
        lua_setfield(L, -2, wrapped[k].name);
        lua_pop(L, 1);
    }
}
