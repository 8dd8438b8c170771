import CLua
import CLuaShim

/// Runs as coroutines: a script or a handler suspends at each async host call while the host
/// awaits the work, on the caller's executor, with its own budget loaded around each resume.
extension LuaState {
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
        _ source: String, chunkName: String, timeout: Duration? = nil, timeoutOption: String = "--handler-timeout"
    ) async throws -> [LuaValue] {
        try await drive(chunkName: chunkName, timeout: timeout, timeoutOption: timeoutOption) { co in
            try load(source, chunkName: chunkName, on: co)
            return 0
        }
    }

    /// Calls a function the script handed over (a handler) as its own
    /// coroutine, like `runAsync`: it may wait for the API, and the limits
    /// of a run apply to it, its own (instructions and time are counted per
    /// call, however many calls wait at once).
    ///
    /// - Parameter sharing: the id (`LuaArguments.runID`) of a run under way whose budget
    ///   (instructions, deadline, and a limit once hit) this call spends as its own: work a
    ///   run hands out (`px.map`) is paid for by that run.
    nonisolated(nonsending)
    public func call(
        _ function: LuaReference, with arguments: [LuaValue], timeout: Duration? = nil, sharing: Int64? = nil
    ) async throws -> [LuaValue] {
        try await drive(chunkName: "handler", timeout: timeout, sharing: sharing) { co in
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
    func drive(
        chunkName: String, timeout: Duration?, timeoutOption: String = "--handler-timeout", sharing: Int64? = nil,
        prepare: (OpaquePointer) throws -> Int32
    ) async throws -> [LuaValue] {
        // Each run has its own id, which its host calls carry (`LuaArguments.runID`).
        lastRunID += 1
        let tag = lastRunID
        let budget: RunBudget.Shared
        if let sharing, let parent = budgets[sharing] {
            budget = parent
        } else {
            var own = RunBudget(limit: limits.pointee.limit, timeout: timeout)
            own.tag = tag
            own.timeoutOption = timeoutOption
            budget = RunBudget.Shared(own)
        }
        // Under its own id too, so work it hands out in turn (a px.map in a px.map item) shares it.
        budgets[tag] = budget
        defer { budgets[tag] = nil }
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
            // catch the end with pcall and carry on. Out of time also when the work
            // ended after the deadline, whichever won the race with its timer.
            var outOfTime = budget.value.deadline != 0 && pxl_monotonic_ns() > budget.value.deadline
            if case .failure(let error) = outcome, error is LuaDeadlinePassed { outOfTime = true }
            if outOfTime {
                budget.value.timedOut = 1
                throw LuaError.limit(RunBudget.timeoutMessage(budget.value.timeoutMilliseconds, option: budget.value.timeoutOption))
            }
            guard !Task.isCancelled else { throw LuaError.cancelled("\(chunkName): stopped by the host while waiting for the API") }
            switch outcome {
            case .success(let results):
                arguments = withHostAllocations {
                    let top = lua_gettop(co)
                    lua_pushboolean(co, 1)
                    guard results.allSatisfy({ LuaStack.push(co, $0) }) else {
                        // All the results or none: the call fails where it was made, as any px error does.
                        let message = LuaStack.failure(co)
                        lua_settop(co, top)
                        lua_pushboolean(co, 0)
                        LuaDispatch.pushError(co, LuaScriptError(message), calledFrom: caller)
                        return 2
                    }
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
    static func awaitWork(_ work: @escaping LuaAsyncWork, until deadline: Int64) async throws -> [LuaValue] {
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
    func coroutineFailure(_ co: OpaquePointer, status: Int32, timeoutOption: String = "--handler-timeout") -> LuaError {
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
    func failure(status: Int32, timeoutOption: String = "--handler-timeout") -> LuaError {
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
}
