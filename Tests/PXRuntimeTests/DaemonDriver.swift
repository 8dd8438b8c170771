import Foundation
import PXRuntime
@testable import PXState
import Synchronization

/// The real watch daemon (`WatchService`: its one poll for all scripts, its passes, its waits)
/// stepped on a `VirtualClock` one poll interval at a time. Tests read what each pass came to
/// (`WatchService.Configuration.passed`) instead of calling a loop by hand: there is one poll path.
final class DaemonDriver: Sendable {
    let clock: VirtualClock
    let interval: Double
    private let reports = Mutex<[WatchLoop.Report]>([])
    /// When the daemon last polled: its polls fall every `interval` from there.
    private let lastPoll: Mutex<Date>
    /// Whether the start-up pass (the daemon's first poll) was handed out by `cycle`.
    private let startTaken = Mutex(false)

    init(clock: VirtualClock, interval: Double) {
        self.clock = clock
        self.interval = interval
        lastPoll = Mutex(clock.now())
    }

    /// `WatchService.Configuration.passed`.
    func record(_ report: WatchLoop.Report) {
        // A pass runs at one instant of the virtual clock: the poll's is now.
        if report.polled != nil { lastPoll.withLock { $0 = clock.now() } }
        reports.withLock { $0.append(report) }
    }

    /// The daemon's next poll: the first call, the poll it made when it started; then the clock
    /// moves to the next poll instant, the daemon doing what falls due on the way (a retry, a
    /// schedule, the end of a debounce). What those passes came to, summed.
    func cycle() async -> WatchLoop.Report {
        if startTaken.withLock({ taken in defer { taken = true }; return !taken }) { return take() }
        let now = clock.now(), last = lastPoll.withLock { $0 }
        let steps = max(1, (now.timeIntervalSince(last) / interval).rounded(.down) + 1)
        return await advance(to: last.addingTimeInterval(steps * interval))
    }

    /// The next poll even when the studio did not change: what real time does every interval. A
    /// virtual clock skips such polls (nothing new to find), so a test that changed the state from
    /// outside (`pause`, `resume`) asks for it.
    func poll() async -> WatchLoop.Report {
        clock.noteChange()
        return await cycle()
    }

    /// Moves the clock `seconds` on; what the passes since the last call came to, summed.
    func advance(by seconds: Double) async -> WatchLoop.Report {
        await advance(to: clock.now().addingTimeInterval(seconds))
    }

    /// Moves the clock to `date`, the daemon running what falls due on the way, each at its moment.
    func advance(to date: Date) async -> WatchLoop.Report {
        startTaken.withLock { $0 = true }
        await clock.advance(to: date)
        return take()
    }

    /// The clock jumps to `date` while the daemon sleeps (the machine slept, or its clock was set):
    /// it wakes once there and catches up what it missed, as it does after a jump in real time.
    func jump(to date: Date) async -> WatchLoop.Report {
        clock.set(date)
        return await advance(to: date)
    }

    /// Moves the clock to the next thing due (a wake the last pass asked for), at most `limit` seconds.
    func advanceToWake(of report: WatchLoop.Report, limit: Double = 3_600) async -> WatchLoop.Report {
        guard let wake = report.wake else { return WatchLoop.Report() }
        return await advance(by: min(limit, max(0, wake.timeIntervalSince(clock.now()))))
    }

    /// `pxscript watch --trigger NAME` from another terminal, then the daemon's next pass.
    func trigger(_ name: String, on statePath: String) async throws -> WatchLoop.Report {
        let store = try StateStore(path: statePath)
        try store.settings.requestTrigger(name)
        try store.close()
        // Not a change in the studio: the clock is told, so the next poll instant polls.
        clock.noteChange()
        return await advance(by: interval)
    }

    /// The passes recorded since the last call, summed (the poll's findings: the last pass that polled).
    private func take() -> WatchLoop.Report {
        let passes = reports.withLock { reports in defer { reports = [] }; return reports }
        var total = WatchLoop.Report()
        for pass in passes {
            total.polled = pass.polled ?? total.polled
            total.handled += pass.handled
            total.skipped += pass.skipped
            total.failed += pass.failed
            total.parked += pass.parked
            total.replied += pass.replied
            total.waiting += pass.waiting
            total.capped += pass.capped
            total.debouncing = pass.debouncing
            total.parkedConversations.merge(pass.parkedConversations) { a, _ in a }
            total.workingConversations.formUnion(pass.workingConversations)
            total.schedules.ran += pass.schedules.ran
            total.schedules.failed += pass.schedules.failed
            total.wake = pass.wake
        }
        return total
    }
}
