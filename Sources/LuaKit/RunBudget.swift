import CLuaShim

/// The instructions and time of one run (a chunk or a handler call).
///
/// The count hook reads one `pxl_limits` per state, but many runs may wait
/// on the host at once; each keeps its own budget here and loads it into the
/// hook's limits only while its coroutine runs, so a handler's loop never
/// spends another's instructions.
struct RunBudget {
    let limit: Int64
    var remaining: Int64
    var exhausted: Int32 = 0
    /// CLOCK_MONOTONIC nanoseconds after which the run ends; 0 for none.
    var deadline: Int64 = 0
    var timeoutMilliseconds: Int64 = 0
    var timedOut: Int32 = 0
    /// The host's tag for the run (`LuaArguments.runTag`).
    var tag: Int64 = 0

    init(limit: Int64, timeout: Duration?) {
        self.limit = limit
        remaining = limit
        if let timeout {
            timeoutMilliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
            deadline = pxl_monotonic_ns() + timeoutMilliseconds * 1_000_000
        }
    }

    func load(into limits: UnsafeMutablePointer<pxl_limits>) {
        limits.pointee.remaining = remaining
        limits.pointee.exhausted = exhausted
        limits.pointee.deadline_ns = deadline
        limits.pointee.timeout_ms = timeoutMilliseconds
        limits.pointee.timed_out = timedOut
        limits.pointee.tag = tag
    }

    /// Runs `body` (a resume of this run's coroutine) with this budget in the
    /// hook's limits, and keeps what it spent.
    mutating func charged<T>(to limits: UnsafeMutablePointer<pxl_limits>, _ body: () throws -> T) rethrows -> T {
        load(into: limits)
        defer {
            remaining = limits.pointee.remaining
            exhausted = limits.pointee.exhausted
            timedOut = limits.pointee.timed_out
        }
        return try body()
    }

    static func timeoutMessage(_ milliseconds: Int64) -> String {
        "time limit reached: the handler ran longer than \(milliseconds) ms (raise it with --handler-timeout)"
    }
}

/// A run's deadline passed while the host was doing its work.
struct LuaDeadlinePassed: Error {}
