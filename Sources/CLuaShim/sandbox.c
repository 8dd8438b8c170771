#include "CLuaShim.h"
#include <string.h>

// The sandbox of docs/spec.md §3, built in C and run under lua_pcall from Swift, so
// that a failure while opening it raises through C frames only.

/// load(chunk [, chunkname [, mode [, env]]]): text only, whatever `mode`
/// says; a reader function's pieces are joined and loaded as text.
static int pxl_load(lua_State *L) {
    size_t length = 0;
    const char *chunkname = luaL_optstring(L, 2, "=(load)");
    int hasEnv = !lua_isnone(L, 4);
    int status;
    if (lua_type(L, 1) == LUA_TSTRING) {
        const char *text = lua_tolstring(L, 1, &length);
        status = luaL_loadbufferx(L, text, length, chunkname, "t");
    } else {
        luaL_checktype(L, 1, LUA_TFUNCTION);
        luaL_Buffer buffer;
        luaL_buffinit(L, &buffer);
        for (;;) {
            lua_pushvalue(L, 1);
            lua_call(L, 0, 1);
            if (lua_isnil(L, -1)) { lua_pop(L, 1); break; }
            if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "reader function must return a string");
            size_t pieceLength = 0;
            if (lua_tolstring(L, -1, &pieceLength) && pieceLength == 0) { lua_pop(L, 1); break; }
            luaL_addvalue(&buffer);
        }
        luaL_pushresult(&buffer);
        const char *text = lua_tolstring(L, -1, &length);
        status = luaL_loadbufferx(L, text, length, chunkname, "t");
    }
    if (status != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (hasEnv) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

/// setmetatable(t, mt) without finalizers. The count hook does not fire
/// inside `__gc`, so a finalizer could loop forever out of reach of the
/// instruction limit. Lua 5.4 marks an object for finalization only if its
/// metatable has `__gc` when set, so refusing it here is enough.
static int pxl_setmetatable(lua_State *L) {
    int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (type == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {
            return luaL_error(L, "finalizers (__gc) are not allowed in scripts");
        }
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/// collectgarbage([opt]): only "count", "collect" and "step".
static int pxl_collectgarbage(lua_State *L) {
    const char *option = luaL_optstring(L, 1, "collect");
    if (strcmp(option, "count") == 0) {
        int kilobytes = lua_gc(L, LUA_GCCOUNT);
        int bytes = lua_gc(L, LUA_GCCOUNTB);
        lua_pushnumber(L, (lua_Number)kilobytes + ((lua_Number)bytes / 1024));
        return 1;
    }
    if (strcmp(option, "collect") == 0) {
        lua_gc(L, LUA_GCCOLLECT);
        lua_pushinteger(L, 0);
        return 1;
    }
    if (strcmp(option, "step") == 0) {
        lua_pushboolean(L, lua_gc(L, LUA_GCSTEP, (int)luaL_optinteger(L, 2, 0)));
        return 1;
    }
    return luaL_error(L, "bad argument #1 to 'collectgarbage' (only \"count\", \"collect\" and \"step\" are allowed)");
}

static void pxl_keep_only(lua_State *L, const char *library, const char *const *allowed) {
    lua_getglobal(L, library);
    lua_newtable(L);
    for (const char *const *name = allowed; *name; name++) {
        lua_getfield(L, -2, *name);
        lua_setfield(L, -2, *name);
    }
    lua_setglobal(L, library);
    lua_pop(L, 1);
}

/// Opens the sandbox in the state's globals. Called with lua_pcall.
int pxl_open_sandbox(lua_State *L) {
    const luaL_Reg libraries[] = {
        {LUA_GNAME, luaopen_base}, {LUA_STRLIBNAME, luaopen_string}, {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_OSLIBNAME, luaopen_os}, {NULL, NULL},
    };
    for (const luaL_Reg *library = libraries; library->func; library++) {
        luaL_requiref(L, library->name, library->func, 1);
        lua_pop(L, 1);
    }
    // Files and bytecode: never.
    const char *removed[] = {"dofile", "loadfile", NULL};
    for (const char *const *name = removed; *name; name++) {
        lua_pushnil(L);
        lua_setglobal(L, *name);
    }
    lua_pushcfunction(L, pxl_load);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, pxl_collectgarbage);
    lua_setglobal(L, "collectgarbage");
    lua_pushcfunction(L, pxl_setmetatable);
    lua_setglobal(L, "setmetatable");
    // coroutine.resume and wrap that let a host call inside a script's own
    // coroutine reach the host instead of the script's resume.
    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, pxl_coroutine_resume);
    lua_setfield(L, -2, "resume");
    lua_pop(L, 1);
    luaL_dostring(L,
        "local create, resume, pack, unpack, error, type = coroutine.create, coroutine.resume, table.pack, table.unpack, error, type\n"
        "coroutine.wrap = function(f)\n"
        "  local co = create(f)\n"
        "  return function(...)\n"
        "    local r = pack(resume(co, ...))\n"
        "    if r[1] then return unpack(r, 2, r.n) end\n"
        "    error(r[2], type(r[2]) == 'string' and 2 or 0)\n"
        "  end\n"
        "end\n");
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    pxl_install_patterns(L);
    pxl_install_bounded(L);
    const char *os_allowed[] = {"time", "clock", "date", NULL};
    pxl_keep_only(L, "os", os_allowed);
    // The shared string metatable: readable through strings' methods, not replaceable or alterable.
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    // The environment's metatable: present but protected, so scripts cannot
    // install their own (__index/__newindex tricks on the globals).
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    return 0;
}
