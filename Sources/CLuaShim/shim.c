#include "CLuaShim.h"
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
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
        // The marker tells the host (and the coroutine.resume wrapper) that this
        // is a host call; the thread tells the host whose work to run.
        lua_pushlightuserdata(L, (void *)&pxl_dispatch);
        lua_pushlightuserdata(L, (void *)L);
        return lua_yieldk(L, 2, (lua_KContext)base, pxl_continue_after_yield);
    }
    if (memory && memory->exceeded && memory->host_running == 0) {
        return luaL_error(L, "memory limit reached: the script used more than %d MiB (raise it with --max-memory)",
                          (int)(memory->limit >> 20));
    }
    return result;
}

lua_State *pxl_host_yield_thread(lua_State *co, int nresults) {
    if (nresults != 2 || lua_touserdata(co, -2) != (void *)&pxl_dispatch) return NULL;
    return (lua_State *)lua_touserdata(co, -1);
}

static int pxl_resume_step(lua_State *L, lua_State *co, int nargs);

static int pxl_resume_continue(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    // The host resumed us with the results of the inner coroutine's host call.
    lua_State *co = lua_tothread(L, 1);
    return pxl_resume_step(L, co, lua_gettop(L) - 1);
}

/// Resumes `co` with the `nargs` values on top of L's stack. A host call in
/// `co` is passed up (this thread yields the same marker to its resumer, up
/// to the host) and, once answered, passed back down.
static int pxl_resume_step(lua_State *L, lua_State *co, int nargs) {
    if (!lua_checkstack(co, nargs)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    lua_xmove(L, co, nargs);
    int nresults = 0;
    int status = lua_resume(co, L, nargs, &nresults);
    if (status == LUA_YIELD && pxl_host_yield_thread(co, nresults) != NULL) {
        if (!lua_isyieldable(L)) {
            lua_pop(co, nresults);
            return luaL_error(L, "cannot wait for the API here (the coroutine was resumed from a place that cannot wait)");
        }
        lua_settop(L, 1);
        lua_xmove(co, L, 2);
        return lua_yieldk(L, 2, 0, pxl_resume_continue);
    }
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nresults + 1)) {
            lua_pop(co, nresults);
            lua_pushboolean(L, 0);
            lua_pushliteral(L, "too many results to resume");
            return 2;
        }
        lua_pushboolean(L, 1);
        lua_xmove(co, L, nresults);
        return nresults + 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);
    return 2;
}

/// coroutine.resume(co, ...) that lets host calls inside `co` reach the host.
int pxl_coroutine_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int status = lua_status(co);
    if (co == L || (status == LUA_OK && lua_gettop(co) == 0) || (status != LUA_OK && status != LUA_YIELD)) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, status == LUA_OK && co != L ? "cannot resume dead coroutine" : "cannot resume non-suspended coroutine");
        return 2;
    }
    return pxl_resume_step(L, co, lua_gettop(L) - 1);
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

long long pxl_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void pxl_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    pxl_limits *limits = *(pxl_limits **)lua_getextraspace(L);
    if (!limits) return;
    if (limits->timed_out || (limits->deadline_ns != 0 && pxl_monotonic_ns() > limits->deadline_ns)) {
        limits->timed_out = 1;
        lua_sethook(L, pxl_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "time limit reached: the run took longer than %I ms", (lua_Integer)limits->timeout_ms);
    }
    if (!limits->exhausted) {
        limits->remaining -= 1000;
        if (limits->remaining <= 0) limits->exhausted = 1;
    }
    if (limits->exhausted) {
        // From now on every instruction of this thread fails, so pcall cannot carry on.
        lua_sethook(L, pxl_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "instruction limit reached: the run used more than %I instructions (raise it with --max-instructions)",
                   (lua_Integer)limits->limit);
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
    // An error table is kept for the host to read its fields (LuaErrorCause),
    // before it is turned into text here.
    if (lua_type(L, 1) == LUA_TTABLE) lua_pushvalue(L, 1); else lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "pxl.lasterror");
    const char *message = lua_tostring(L, 1);
    if (message == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, message, 1);
    return 1;
}

int pxl_where(lua_State *co, int level, char *buffer, size_t size) {
    lua_Debug ar;
    buffer[0] = '\0';
    // Frames of the runtime's own Lua code (chunks named "=(…)") and C
    // functions (`pcall(px.get, id)` calls px.get from pcall) are passed
    // over, so an error names the script's line, not the wrapper's.
    for (;; level++) {
        if (!lua_getstack(co, level, &ar)) return 0;
        lua_getinfo(co, "Sl", &ar);
        if (ar.source[0] != '=' && ar.currentline > 0) break;
    }
    snprintf(buffer, size, "%s:%d: ", ar.short_src, ar.currentline);
    return 1;
}

void pxl_push_traceback(lua_State *L, lua_State *co, const char *message) { luaL_traceback(L, co, message, 0); }

int pxl_describe_error(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING) return 1;
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}
