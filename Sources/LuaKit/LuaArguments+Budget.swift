import CLua
import CLuaShim

/// The run's limits, for host work done on a script's behalf that no hook
/// sees (a template rendered in Swift, a copy into Swift): the work is
/// measured against what is left, and what it spends is charged, so a
/// script cannot do in the host what its limits forbid it in Lua (docs/spec.md §3).
extension LuaArguments {
    /// Instructions left to the run that called.
    public var remainingInstructions: Int64 { max(0, pxl_get_limits(L)?.pointee.remaining ?? .max) }

    /// Seconds left before the calling run's wall-clock limit, or nil when it has none.
    public var secondsToDeadline: Double? {
        guard let deadline = pxl_get_limits(L)?.pointee.deadline_ns, deadline != 0 else { return nil }
        return max(0, Double(deadline - pxl_monotonic_ns()) / 1e9)
    }

    /// The state's memory cap in bytes (what one copy into the host may take).
    public var memoryLimit: Int { pxl_get_limits(L)?.pointee.memory.map { Int($0.pointee.limit) } ?? .max }

    /// Bytes the state may still allocate before its memory cap.
    public var memoryHeadroom: Int {
        guard let memory = pxl_get_limits(L)?.pointee.memory else { return .max }
        return memory.pointee.used >= memory.pointee.limit ? 0 : Int(memory.pointee.limit - memory.pointee.used)
    }

    /// Charges `units` instructions to the run.
    /// - Throws: the instruction limit's error when the budget is spent; the
    ///   limit then sticks for the run, as when Lua code hits it.
    public func spend(_ units: Int64) throws {
        guard let limits = pxl_get_limits(L), units > 0 else { return }
        limits.pointee.remaining = units >= limits.pointee.remaining ? 0 : limits.pointee.remaining - units
        if limits.pointee.remaining <= 0 {
            limits.pointee.exhausted = 1
            throw LuaScriptError(
                "instruction limit reached: the run used more than \(limits.pointee.limit) instructions (raise it with --max-instructions)")
        }
    }

    /// Ends the run's instruction budget (host work that would pass it).
    /// - Throws: the instruction limit's error, which sticks for the run.
    public func exhaustInstructions() throws -> Never {
        try spend(.max)
        throw LuaScriptError("instruction limit reached (raise it with --max-instructions)")  // spend(.max) has thrown already
    }

    /// Marks the memory cap as passed by host work of `bytes` bytes.
    /// - Throws: the memory limit's error; it sticks for the run.
    public func exceedMemory(by bytes: Int) throws -> Never {
        let limit = pxl_get_limits(L)?.pointee.memory.map { Int($0.pointee.limit) } ?? 0
        pxl_get_limits(L)?.pointee.memory?.pointee.exceeded = 1
        throw LuaScriptError(
            "memory limit reached: the script used more than \(limit >> 20) MiB (raise it with --max-memory); \(bytes) bytes were asked for")
    }
}
