#include "CLuaShim.h"
#include <stdlib.h>
#include <string.h>

static pxl_dispatch_fn pxl_dispatch = NULL;

void pxl_set_dispatch(pxl_dispatch_fn dispatch) { pxl_dispatch = dispatch; }

/// Where a coroutine continues after an async host call. The host resumed
/// it with `true, results…` or `false, error`; `ctx` is the stack height at
/// the yield, so the resumed values are the ones above it.
static int pxl_continue_after_yield(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    int base = (int)ctx;
    if (!lua_toboolean(L, base + 1)) {
        lua_pushvalue(L, base + 2);
        return lua_error(L);
    }
    return lua_gettop(L) - (base + 1);
}

/// Every Swift function is called from here. The Swift frame has returned
/// before lua_error or lua_yieldk runs, so no longjmp crosses Swift code.
static int pxl_trampoline(lua_State *L) {
    void *function = lua_touserdata(L, lua_upvalueindex(1));
    pxl_limits *limits = *(pxl_limits **)lua_getextraspace(L);
    pxl_memory *memory = limits ? limits->memory : NULL;
    if (memory) memory->host_running++;
    int result = pxl_dispatch(L, function);
    if (memory) memory->host_running--;
    if (result == PXL_ERROR) return lua_error(L);
    if (result == PXL_YIELD) {
        if (!lua_isyieldable(L)) {
            return luaL_error(L, "cannot wait for the API here (inside a table.sort comparator, a metamethod or a finalizer); "
                                 "call it outside such callbacks");
        }
        // The yielded value marks a host call, so the host can tell it from a script's own yield.
        int base = lua_gettop(L);
        lua_pushlightuserdata(L, (void *)&pxl_dispatch);
        return lua_yieldk(L, 1, (lua_KContext)base, pxl_continue_after_yield);
    }
    if (memory && memory->exceeded && memory->host_running == 0) {
        return luaL_error(L, "memory limit reached: the script used more than %d MiB (raise it with --max-memory)",
                          (int)(memory->limit >> 20));
    }
    return result;
}

int pxl_is_host_yield(lua_State *co, int nresults) {
    return nresults == 1 && lua_touserdata(co, -1) == (void *)&pxl_dispatch;
}

void pxl_push_swift_function(lua_State *L, void *function) {
    lua_pushlightuserdata(L, function);
    lua_pushcclosure(L, pxl_trampoline, 1);
}

static void *pxl_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    pxl_memory *memory = (pxl_memory *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        memory->used -= old;
        return NULL;
    }
    if (nsize > old && memory->used + (nsize - old) > memory->limit) {
        memory->exceeded = 1;
        // Lua itself gets a memory error; Swift, which must never see one, may overshoot.
        if (!memory->host_running) return NULL;
    }
    void *block = realloc(ptr, nsize);
    if (block) memory->used = memory->used - old + nsize;
    return block;
}

lua_State *pxl_newstate(pxl_memory *memory) { return lua_newstate(pxl_alloc, memory); }

static void pxl_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    pxl_limits *limits = *(pxl_limits **)lua_getextraspace(L);
    if (!limits) return;
    if (!limits->exhausted) {
        limits->remaining -= 1000;
        if (limits->remaining <= 0) limits->exhausted = 1;
    }
    if (limits->exhausted) {
        // From now on every instruction of this thread fails, so pcall cannot carry on.
        lua_sethook(L, pxl_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "instruction limit reached: the run used more than %lld instructions (raise it with --max-instructions)",
                   limits->limit);
    }
    // Sticky for the run: a script that catches "not enough memory" with pcall does not carry on.
    if (limits->memory && limits->memory->exceeded) {
        lua_sethook(L, pxl_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "memory limit reached: the script used more than %d MiB (raise it with --max-memory)",
                   (int)(limits->memory->limit >> 20));
    }
}

void pxl_install_limits(lua_State *L, pxl_limits *limits) {
    *(pxl_limits **)lua_getextraspace(L) = limits;
    lua_sethook(L, pxl_hook, LUA_MASKCOUNT, 1000);
}

void pxl_rearm_hook(lua_State *L) { lua_sethook(L, pxl_hook, LUA_MASKCOUNT, 1000); }

int pxl_traceback(lua_State *L) {
    const char *message = lua_tostring(L, 1);
    if (message == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, message, 1);
    return 1;
}

void pxl_push_traceback(lua_State *L, lua_State *co, const char *message) { luaL_traceback(L, co, message, 0); }
