#ifndef PXL_SHIM_H
#define PXL_SHIM_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

// What a Swift function called through the trampoline returns:
// a count of results (>= 0) on the stack, or one of these.
#define PXL_ERROR (-1)   // the error value is on top of the stack: C raises it
#define PXL_YIELD (-2)   // C yields the running coroutine to the host

/// The one Swift entry point the trampoline calls, with the function's box.
typedef int (*pxl_dispatch_fn)(lua_State *L, void *function);

/// Registers the Swift dispatcher (once per process).
void pxl_set_dispatch(pxl_dispatch_fn dispatch);

/// Pushes a Lua function that calls `function` (an opaque Swift box) through
/// the trampoline.
void pxl_push_swift_function(lua_State *L, void *function);

/// The thread whose host call made `co` yield `nresults` values, or NULL
/// when it is a script's own `coroutine.yield`.
lua_State *pxl_host_yield_thread(lua_State *co, int nresults);

/// coroutine.resume that passes host calls of the inner coroutine up to the
/// host (installed by the sandbox).
int pxl_coroutine_resume(lua_State *L);

/// Memory accounting of one state (the `lua_Alloc` user data).
typedef struct {
    size_t used;
    size_t limit;
    /// Set while Swift code runs: allocations may then pass the limit
    /// (Swift must never see a memory error), and the overshoot is caught by
    /// the next check in Lua code.
    int host_running;
    /// Set once an allocation was refused or the limit was passed.
    int exceeded;
} pxl_memory;

/// A new state whose allocations are counted against `memory->limit`.
lua_State *pxl_newstate(pxl_memory *memory);

/// Instruction budget of one run, shared by the state's coroutines through
/// the extra space of the main thread.
typedef struct {
    long long remaining;
    long long limit;
    int exhausted;
    pxl_memory *memory;
    /// CLOCK_MONOTONIC nanoseconds after which the run ends; 0 for none.
    long long deadline_ns;
    /// The wall-clock limit in milliseconds, for the message.
    long long timeout_ms;
    /// Set once the deadline passed (sticky for the run).
    int timed_out;
    /// The host's tag of the run now executing (0 for none): lets a host
    /// function tell which handler run called it.
    long long tag;
} pxl_limits;

/// The limits installed on `L`'s state (any of its threads), or NULL.
static inline pxl_limits *pxl_get_limits(lua_State *L) { return *(pxl_limits **)lua_getextraspace(L); }

/// Whether `L`'s state holds more than its memory limit now (allocations by
/// the host may pass it): a host building a large value stops there.
static inline int pxl_memory_passed(lua_State *L) {
    pxl_limits *limits = pxl_get_limits(L);
    return limits && limits->memory && limits->memory->used > limits->memory->limit;
}

/// Charges `units` instructions to the run's budget, raising the limit's
/// error when it is spent (C functions whose work grows with an argument).
void pxl_charge(lua_State *L, long long units);

/// Replaces the library functions whose work grows with an argument by
/// versions that charge for it before calling the stock ones (bounded.c).
void pxl_install_bounded(lua_State *L);

/// CLOCK_MONOTONIC now, in nanoseconds.
long long pxl_monotonic_ns(void);

/// Installs the count hook charging `limits` on `L` (coroutines created
/// afterwards inherit it) and stores `limits` in the extra space.
void pxl_install_limits(lua_State *L, pxl_limits *limits);

/// Re-arms the hook on a coroutine (after the budget was reset).
void pxl_rearm_hook(lua_State *L);

/// Opens the sandboxed libraries (docs/spec.md §3) into the globals; call with lua_pcall.
int pxl_open_sandbox(lua_State *L);

/// Writes `source:line: ` of `co`'s function at `level` into `buffer`
/// without touching any stack (empty when it has no line); returns 1 if written.
int pxl_where(lua_State *co, int level, char *buffer, size_t size);

/// Replaces string.find/match/gmatch/gsub with the budgeted matcher; the
/// stock functions stay in the registry under "pxscript.stock_patterns".
void pxl_install_patterns(lua_State *L);

/// The text of an error value (argument 1): a string as is, else its
/// `__tostring`. Call with lua_pcall: a script's `__tostring` may fail.
int pxl_describe_error(lua_State *L);

/// A message handler for lua_pcall that appends a traceback.
int pxl_traceback(lua_State *L);

/// Pushes the traceback of `co` (a failed coroutine) with `message` onto `L`.
void pxl_push_traceback(lua_State *L, lua_State *co, const char *message);

// Macros Swift cannot call.
static inline void pxl_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void pxl_newtable(lua_State *L) { lua_newtable(L); }
static inline int pxl_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
static inline int pxl_isnoneornil(lua_State *L, int index) { return lua_type(L, index) <= 0; }
static inline lua_Number pxl_tonumber(lua_State *L, int index) { return lua_tonumberx(L, index, NULL); }
static inline lua_Integer pxl_tointeger(lua_State *L, int index, int *isnum) { return lua_tointegerx(L, index, isnum); }
static inline int pxl_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void pxl_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
static inline void pxl_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }

#endif
