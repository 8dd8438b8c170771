import CLua
import CLuaShim

/// One sandboxed Lua 5.4 state (docs/spec.md §3).
///
/// Owns its `lua_State`, closes it in `deinit`, and is confined to the
/// executor that created it: it is not `Sendable`. Every call that can raise
/// runs under `lua_pcall` from C, or in the trampoline's protected context.
public final class LuaState {
    let L: OpaquePointer
    let memory: UnsafeMutablePointer<pxl_memory>
    let limits: UnsafeMutablePointer<pxl_limits>
    var functions: [LuaFunctionBox] = []
    let pending = PendingCalls()
    /// The budgets of the runs under way, by run id, for calls that share
    /// their caller's (`px.map` items: one budget for the run, docs/spec.md §3).
    var budgets: [Int64: RunBudget.Shared] = [:]
    /// The id of the latest run (`LuaArguments.runID`).
    var lastRunID: Int64 = 0

    /// A fresh state with the sandboxed libraries open.
    /// The corresponding C functions are `lua_newstate` and `pxl_open_sandbox`.
    public init(limits configuration: LuaLimits = LuaLimits()) throws {
        LuaDispatch.installed
        memory = .allocate(capacity: 1)
        memory.initialize(to: pxl_memory(used: 0, limit: configuration.maxMemory, host_running: 0, exceeded: 0))
        limits = .allocate(capacity: 1)
        limits.initialize(to: pxl_limits(
            remaining: configuration.maxInstructions, limit: configuration.maxInstructions, exhausted: 0, memory: memory,
            deadline_ns: 0, timeout_ms: 0, timed_out: 0, tag: 0))
        guard let state = pxl_newstate(memory) else {
            memory.deallocate()
            limits.deallocate()
            throw LuaError.setup("cannot create a Lua state (out of memory)")
        }
        L = state
        pxl_install_limits(L, limits)
        lua_pushcclosure(L, pxl_open_sandbox, 0)
        guard pxl_pcall(L, 0, 0, 0) == LUA_OK else {
            let message = LuaStack.text(L, -1)
            lua_close(L)
            memory.deallocate()
            limits.deallocate()
            throw LuaError.setup("cannot open the Lua libraries: \(message)")
        }
    }

    deinit {
        lua_close(L)
        memory.deallocate()
        limits.deallocate()
    }

    /// Bytes the state holds now.
    public var memoryInUse: Int { memory.pointee.used }

    /// Compiles `source` with `chunkName` (the script's path, shown in
    /// errors as `chunkName:line:`) and runs it with fresh limits.
    /// - Returns: the chunk's return values.
    /// - Throws: `LuaError.syntax`, `.runtime` with a traceback, or `.limit`.
    public func run(_ source: String, chunkName: String) throws -> [LuaValue] {
        resetLimits()
        let base = lua_gettop(L)
        lua_pushcclosure(L, pxl_traceback, 0)
        do {
            try load(source, chunkName: chunkName, on: L)
        } catch {
            lua_settop(L, base)
            throw error
        }
        let result = pxl_pcall(L, 0, LUA_MULTRET, base + 1)
        defer { lua_settop(L, base) }
        guard result == LUA_OK else { throw failure(status: result) }
        let count = lua_gettop(L) - base - 1
        return withHostAllocations { (0..<count).map { LuaStack.value(L, base + 2 + $0, depth: 0) } }
    }

    /// Compiles `source` without running it (`pxscript check`).
    /// - Throws: `LuaError.syntax` with `chunkName:line: message`.
    public func compile(_ source: String, chunkName: String) throws {
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        try withHostAllocations { try load(source, chunkName: chunkName, on: L) }
    }

    /// Compiles `source` (text only) onto `thread`'s stack, named by its
    /// path so errors read `chunkName:line:`. A name starting with `=` is
    /// the host's own code (`=(px)`): errors of host functions pass over it. The corresponding C function
    /// is `luaL_loadbufferx`, which reports by status and never raises.
    /// - Throws: `LuaError.syntax`.
    func load(_ source: String, chunkName: String, on thread: OpaquePointer) throws {
        let bytes = Array(source.utf8)
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { luaL_loadbufferx(thread, $0.baseAddress, $0.count, chunkName.hasPrefix("=") ? chunkName : "@" + chunkName, "t") }
        }
        guard status == LUA_OK else { throw LuaError.syntax(LuaStack.text(thread, -1)) }
    }

    /// Splits `message\nstack traceback:\n…` into its two parts.
    static func split(_ text: String) -> (String, String) {
        guard let range = text.firstRange(of: "\nstack traceback:") else { return (text, "") }
        return (String(text[..<range.lowerBound]), String(text[text.index(after: range.lowerBound)...]))
    }

    /// Fresh limits for a synchronous run.
    func resetLimits() {
        RunBudget(limit: limits.pointee.limit, timeout: nil).load(into: limits)
        recoverMemory()
        pxl_rearm_hook(L)
    }

    /// Clears the memory limit's mark once a collection brings the state
    /// back under its cap (after the run that passed it has ended).
    func recoverMemory() {
        if memory.pointee.used > memory.pointee.limit || memory.pointee.exceeded != 0 { withHostAllocations { pxl_gc_collect(L) } }
        if memory.pointee.used <= memory.pointee.limit { memory.pointee.exceeded = 0 }
    }

    func pushFunction(name: String, _ kind: LuaFunctionBox.Kind) {
        let box = LuaFunctionBox(name: name, kind: kind)
        functions.append(box)
        pxl_push_swift_function(L, Unmanaged.passUnretained(box).toOpaque())
    }

    /// Runs `body` with the memory cap relaxed for host allocations, which
    /// must never raise through Swift; the next Lua check reports any overshoot.
    func withHostAllocations<T>(_ body: () throws -> T) rethrows -> T {
        memory.pointee.host_running += 1
        defer { memory.pointee.host_running -= 1 }
        return try body()
    }
}

@available(*, unavailable)
extension LuaState: Sendable {}

extension LuaState {
    /// The Lua release pxscript is built with, e.g. `5.4.4` (`pxscript doctor`).
    public static var release: String { "\(LUA_VERSION_MAJOR).\(LUA_VERSION_MINOR).\(LUA_VERSION_RELEASE)" }
}
