import CLua
import CLuaShim

/// One sandboxed Lua 5.4 state (SPEC §3).
///
/// Owns its `lua_State`, closes it in `deinit`, and is confined to the
/// executor that created it: it is not `Sendable`. Every call that can raise
/// runs under `lua_pcall` from C, or in the trampoline's protected context.
public final class LuaState {
    let L: OpaquePointer
    private let memory: UnsafeMutablePointer<pxl_memory>
    private let limits: UnsafeMutablePointer<pxl_limits>
    private var functions: [LuaFunctionBox] = []
    private let pending = PendingCalls()
    /// The budgets of the runs under way, by tag, for calls that share
    /// their caller's (`px.map` items: one budget for the run, SPEC §3).
    private var budgets: [Int64: RunBudget.Shared] = [:]

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

    private func setGlobal(_ name: String, _ kind: LuaFunctionBox.Kind) {
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
    private func setField(_ name: String, in table: String, _ kind: LuaFunctionBox.Kind) {
        withHostAllocations {
            pushTable(path: table)
            pushFunction(name: name, kind)
            lua_setfield(L, -2, name)
            pxl_pop(L, 1)
        }
    }

    /// Pushes the table at a dotted path of globals, creating what is missing.
    private func pushTable(path: String) {
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

    /// Runs `source` as a coroutine, so that it may call async functions:
    /// each call suspends it while the host awaits the work, then resumes it
    /// with the results, or raises the work's error at the calling line.
    /// Runs on the caller's executor: an actor that owns the state may have
    /// many runs and handler calls waiting on the host at once.
    /// The corresponding C function is `lua_resume`.
    ///
    /// - Parameter timeoutOption: the option a photographer raises the time limit with, named in its error.
    nonisolated(nonsending)
    public func runAsync(
        _ source: String, chunkName: String, timeout: Duration? = nil, timeoutOption: String = "--handler-timeout", tag: Int64 = 0
    ) async throws -> [LuaValue] {
        try await drive(chunkName: chunkName, timeout: timeout, timeoutOption: timeoutOption, tag: tag) { co in
            try load(source, chunkName: chunkName, on: co)
            return 0
        }
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
    private func load(_ source: String, chunkName: String, on thread: OpaquePointer) throws {
        let bytes = Array(source.utf8)
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { luaL_loadbufferx(thread, $0.baseAddress, $0.count, chunkName.hasPrefix("=") ? chunkName : "@" + chunkName, "t") }
        }
        guard status == LUA_OK else { throw LuaError.syntax(LuaStack.text(thread, -1)) }
    }

    /// Calls a function the script handed over (a handler) as its own
    /// coroutine, like `runAsync`: it may wait for the API, and the limits
    /// of a run apply to it, its own (instructions and time are counted per
    /// call, however many calls wait at once).
    ///
    /// - Parameter sharing: the tag of a run under way whose budget (instructions,
    ///   deadline, and a limit once hit) this call spends as its own: work a
    ///   run hands out (`px.map`) is paid for by that run. Its host calls carry `tag`.
    nonisolated(nonsending)
    public func call(
        _ function: LuaReference, with arguments: [LuaValue], timeout: Duration? = nil, tag: Int64 = 0, sharing: Int64? = nil
    ) async throws -> [LuaValue] {
        try await drive(chunkName: "handler", timeout: timeout, tag: tag, sharing: sharing) { co in
            try withHostAllocations {
                guard lua_checkstack(co, Int32(arguments.count + 1)) != 0,
                      lua_rawgeti(co, pxl_registryindex(), lua_Integer(function.id)) == LUA_TFUNCTION
                else { throw LuaError.setup("the handler function is no longer available") }
                for value in arguments where !LuaStack.push(co, value) {
                    throw LuaError.setup("a handler argument is nested too deeply")
                }
            }
            return Int32(arguments.count)
        }
    }

    /// Releases a function handed over by the script. The corresponding C function is `luaL_unref`.
    public func release(_ function: LuaReference) {
        luaL_unref(L, pxl_registryindex(), function.id)
    }

    /// Creates a coroutine, lets `prepare` push its function and arguments,
    /// and drives it to the end: host calls are awaited and answered.
    ///
    /// Other runs may go on while this one awaits the host, so the coroutine
    /// is anchored in the registry (not on the main stack, which they share)
    /// and its budget is loaded into the hook's limits around each resume.
    nonisolated(nonsending)
    private func drive(
        chunkName: String, timeout: Duration?, timeoutOption: String = "--handler-timeout", tag: Int64 = 0, sharing: Int64? = nil,
        prepare: (OpaquePointer) throws -> Int32
    ) async throws -> [LuaValue] {
        let budget: RunBudget.Shared
        if let sharing, let parent = budgets[sharing] {
            budget = parent
        } else {
            var own = RunBudget(limit: limits.pointee.limit, timeout: timeout)
            own.tag = tag
            own.timeoutOption = timeoutOption
            budget = RunBudget.Shared(own)
            budgets[tag] = budget
        }
        defer { if budgets[tag] === budget, sharing == nil { budgets[tag] = nil } }
        recoverMemory()
        guard lua_checkstack(L, 4) != 0, let co = withHostAllocations({ lua_newthread(L) }) else {
            throw LuaError.setup("cannot create a coroutine (out of memory)")
        }
        let anchor = withHostAllocations { luaL_ref(L, pxl_registryindex()) }
        defer {
            luaL_unref(L, pxl_registryindex(), anchor)
            if memory.pointee.exceeded != 0 { recoverMemory() }
        }
        pxl_rearm_hook(co)
        var arguments = try prepare(co)
        while true {
            guard !Task.isCancelled else { throw LuaError.cancelled("\(chunkName): stopped by the host before it finished") }
            var count: Int32 = 0
            let result = budget.value.charged(to: limits, tag: tag) { lua_resume(co, L, arguments, &count) }
            if result == LUA_OK {
                // A limit hit by work it handed out (a px.map item) ends the run, even when pcall
                // caught the error and the run finished before the hook fired again.
                if budget.value.exhausted != 0 || budget.value.timedOut != 0 {
                    let option = budget.value.timeoutOption
                    throw budget.value.charged(to: limits, tag: tag) { failure(status: LUA_ERRRUN, timeoutOption: option) }
                }
                // The results are a copy into Swift: bounded by the memory cap, as arguments are.
                let budget = LuaStack.CopyBudget(Int(clamping: memory.pointee.limit))
                let results = withHostAllocations { (0..<count).map { LuaStack.value(co, lua_gettop(co) - count + 1 + $0, depth: 0, budget: budget) } }
                guard !budget.exceeded else {
                    throw LuaError.limit("memory limit reached: the script's results are larger than \(memory.pointee.limit >> 20) MiB (raise it with --max-memory)")
                }
                return results
            }
            guard result == LUA_YIELD else {
                let option = budget.value.timeoutOption
                throw budget.value.charged(to: limits, tag: tag) { coroutineFailure(co, status: result, timeoutOption: option) }
            }
            guard let caller = pxl_host_yield_thread(co, count), let work = pending.work.removeValue(forKey: caller) else {
                throw LuaError.runtime(message: "\(chunkName): coroutine.yield() outside a coroutine", traceback: "")
            }
            pxl_pop(co, count)
            let outcome: Result<[LuaValue], any Error>
            do {
                outcome = .success(try await LuaState.awaitWork(work, until: budget.value.deadline))
            } catch {
                outcome = .failure(error)
            }
            // A run out of time or cancelled is not resumed: its script cannot
            // catch the end with pcall and carry on.
            if case .failure(let error) = outcome, error is LuaDeadlinePassed {
                budget.value.timedOut = 1
                throw LuaError.limit(RunBudget.timeoutMessage(budget.value.timeoutMilliseconds, option: budget.value.timeoutOption))
            }
            guard !Task.isCancelled else { throw LuaError.cancelled("\(chunkName): stopped by the host while waiting for the API") }
            switch outcome {
            case .success(let results):
                arguments = withHostAllocations {
                    lua_pushboolean(co, 1)
                    for value in results { LuaStack.push(co, value) }
                    return Int32(results.count + 1)
                }
            case .failure(let error):
                // Positioned at the line that called, in the thread that called (maybe a script's coroutine).
                let failure = error as? LuaScriptError ?? LuaScriptError("\(error)")
                arguments = withHostAllocations {
                    lua_pushboolean(co, 0)
                    LuaDispatch.pushError(co, failure, calledFrom: caller)
                    return 2
                }
            }
        }
    }

    /// Runs `work`, or gives up when `deadline` (CLOCK_MONOTONIC ns, 0 for
    /// none) passes first.
    ///
    /// A deadline more than ten minutes away (a `run`'s hour) is not raced:
    /// a race costs a task and a timer per host call, a send's included. Host
    /// calls end on their own well before (requests within their retry
    /// deadline, `px.sleep` at the run's deadline), and the hook stops the
    /// run at the next instruction once it has passed.
    private static func awaitWork(_ work: @escaping LuaAsyncWork, until deadline: Int64) async throws -> [LuaValue] {
        guard deadline != 0, deadline - pxl_monotonic_ns() < 600 * 1_000_000_000 else { return try await work() }
        let remaining = Duration.nanoseconds(max(0, deadline - pxl_monotonic_ns()))
        let results = try await withThrowingTaskGroup(of: [LuaValue]?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: remaining)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let results else { throw LuaDeadlinePassed() }
        return results
    }

    /// The error of a coroutine that failed: a limit, or its message with the
    /// traceback taken from the coroutine itself (lua_resume leaves it inspectable).
    private func coroutineFailure(_ co: OpaquePointer, status: Int32, timeoutOption: String = "--handler-timeout") -> LuaError {
        if limits.pointee.exhausted != 0 || limits.pointee.timed_out != 0 || memory.pointee.exceeded != 0 || status == LUA_ERRMEM {
            return failure(status: status, timeoutOption: timeoutOption)
        }
        let cause = withHostAllocations { LuaErrorCause.read(co, at: -1) }
        // An error table's text comes from its __tostring, run protected with the run's budget
        // and under the memory cap (script code never runs with the cap lifted). Pushing a light
        // C function, a value and moving it allocate nothing.
        guard withHostAllocations({ lua_checkstack(L, 3) }) != 0 else { return failure(status: LUA_ERRMEM, timeoutOption: timeoutOption) }
        lua_pushcclosure(L, pxl_describe_error, 0)
        lua_pushvalue(co, -1)
        lua_xmove(co, L, 1)
        let described = pxl_pcall(L, 1, 1, 0) == LUA_OK
        let text = withHostAllocations { LuaStack.text(L, -1) }
        pxl_pop(L, 1)
        // A limit hit inside __tostring is that limit, named as such.
        if limits.pointee.exhausted != 0 || limits.pointee.timed_out != 0 || memory.pointee.exceeded != 0 {
            return failure(status: LUA_ERRRUN, timeoutOption: timeoutOption)
        }
        let message = described ? text : "(error object cannot be described: \(text))"
        let traceback: String = withHostAllocations {
            pxl_push_traceback(L, co, "")
            defer { pxl_pop(L, 1) }
            return LuaStack.text(L, -1)
        }
        return .runtime(message: message, traceback: traceback.trimmingPrefix("\n").description, cause: cause)
    }

    /// The error of a failed run: a limit if one was hit, else the message and its traceback.
    private func failure(status: Int32, timeoutOption: String = "--handler-timeout") -> LuaError {
        let text = LuaStack.text(L, -1)
        if limits.pointee.timed_out != 0 {
            return .limit(RunBudget.timeoutMessage(limits.pointee.timeout_ms, option: timeoutOption))
        }
        if limits.pointee.exhausted != 0 {
            return .limit("instruction limit reached: the run used more than \(limits.pointee.limit) instructions (raise it with --max-instructions)")
        }
        if memory.pointee.exceeded != 0 || status == LUA_ERRMEM {
            return .limit("memory limit reached: the script used more than \(memory.pointee.limit >> 20) MiB (raise it with --max-memory)")
        }
        let (message, traceback) = LuaState.split(text)
        // The message handler (pxl_traceback) kept the error object if it was a table.
        var cause: LuaErrorCause?
        if lua_getfield(L, pxl_registryindex(), LuaErrorCause.lastErrorKey) == LUA_TTABLE { cause = LuaErrorCause.read(L, at: -1) }
        pxl_pop(L, 1)
        lua_pushnil(L)
        lua_setfield(L, pxl_registryindex(), LuaErrorCause.lastErrorKey)
        return .runtime(message: message, traceback: traceback, cause: cause)
    }

    /// Splits `message\nstack traceback:\n…` into its two parts.
    static func split(_ text: String) -> (String, String) {
        guard let range = text.firstRange(of: "\nstack traceback:") else { return (text, "") }
        return (String(text[..<range.lowerBound]), String(text[text.index(after: range.lowerBound)...]))
    }

    /// Fresh limits for a synchronous run.
    private func resetLimits() {
        RunBudget(limit: limits.pointee.limit, timeout: nil).load(into: limits)
        recoverMemory()
        pxl_rearm_hook(L)
    }

    /// Clears the memory limit's mark once a collection brings the state
    /// back under its cap (after the run that passed it has ended).
    private func recoverMemory() {
        if memory.pointee.used > memory.pointee.limit || memory.pointee.exceeded != 0 { withHostAllocations { pxl_gc_collect(L) } }
        if memory.pointee.used <= memory.pointee.limit { memory.pointee.exceeded = 0 }
    }

    private func pushFunction(name: String, _ kind: LuaFunctionBox.Kind) {
        let box = LuaFunctionBox(name: name, kind: kind)
        functions.append(box)
        pxl_push_swift_function(L, Unmanaged.passUnretained(box).toOpaque())
    }

    /// Runs `body` with the memory cap relaxed for host allocations, which
    /// must never raise through Swift; the next Lua check reports any overshoot.
    private func withHostAllocations<T>(_ body: () throws -> T) rethrows -> T {
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
