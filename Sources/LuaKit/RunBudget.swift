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
    /// The run's id (`LuaArguments.runID`).
    var tag: Int64 = 0
    /// The option that raises the wall-clock limit, for the message.
    var timeoutOption = "--handler-timeout"

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
    /// - Parameter tag: the tag the coroutine's host calls carry, when it is
    ///   not the budget's own (a call spending another run's budget).
    mutating func charged<T>(to limits: UnsafeMutablePointer<pxl_limits>, tag: Int64? = nil, _ body: () throws -> T) rethrows -> T {
        load(into: limits)
        if let tag { limits.pointee.tag = tag }
        defer {
            remaining = limits.pointee.remaining
            exhausted = limits.pointee.exhausted
            timedOut = limits.pointee.timed_out
        }
        return try body()
    }

    static func timeoutMessage(_ milliseconds: Int64, option: String = "--handler-timeout") -> String {
        let what = option == "--handler-timeout" ? "the handler ran" : "the run took"
        return "time limit reached: \(what) longer than \(milliseconds) ms (raise it with \(option))"
    }
}

extension RunBudget {
    /// A budget spent by more than one coroutine (a run and the `px.map`
    /// items it hands out): one object, used on the state's executor only,
    /// one coroutine resumed at a time.
    final class Shared {
        var value: RunBudget
        init(_ value: RunBudget) { self.value = value }
    }
}

/// A run's deadline passed while the host was doing its work.
/// The run's wall-clock limit passed while it waited for the host.
struct LuaDeadlinePassed: Error {}
