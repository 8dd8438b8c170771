import Foundation
import PXState
import Synchronization

/// A clock that moves only when told: tests and `pxscript test` run a
/// watched script through days in a moment.
///
/// The daemon waits on it (`sleep`) as it would on the real clock. `advance`
/// then jumps from one moment something is due to the next: the daemon's
/// own wake (a schedule, a retry, the end of a debounce), or a poll instant
/// when the studio changed since the daemon's last poll (`studioVersion`,
/// e.g. the test studio's count of messages; the daemon's own sends are
/// changes too, as a real poll would see them). Idle polls are never ticked
/// through: an unchanged studio has nothing to find.
public final class VirtualClock: Sendable {
    /// When polls fall due: `from`, then every `every` seconds.
    struct PollGrid: Sendable {
        let from: Date
        let every: Double

        init(from: Date, every: Double) {
            self.from = from
            self.every = every
        }

        /// The first poll instant at or after `date`.
        func next(atOrAfter date: Date) -> Date {
            guard date > from, every > 0 else { return from }
            let steps = (date.timeIntervalSince(from) / every).rounded(.up)
            return from.addingTimeInterval(steps * every)
        }
    }

    private struct Sleeper {
        let id: UInt64
        let wake: Date?
        let polls: PollGrid?
        /// The studio's version at the daemon's last poll.
        let version: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var now: Date
        var sleeper: Sleeper?
        var lastID: UInt64 = 0
        /// `advance` calls waiting for the daemon to go to sleep (or end).
        var waiting: [CheckedContinuation<Void, Never>] = []
        /// A daemon runs on this clock (`attach`): `advance` waits for it between moments.
        var attached = false
        /// The studio's version when the daemon last polled.
        var polledVersion = 0
        /// Changes a poll would notice that the studio's version does not count (`noteChange`).
        var changes = 0
    }

    private let state: Mutex<State>
    private let studioVersion: @Sendable () -> Int

    /// - Parameter studioVersion: a number that changes whenever the studio
    ///   may hold news (a client wrote); nil: only the daemon's own wakes move it.
    public init(start: Date, studioVersion: (@Sendable () -> Int)? = nil) {
        state = Mutex(State(now: start))
        self.studioVersion = studioVersion ?? { 0 }
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// Sets the clock (forward or back) while the daemon sleeps: `s:at(…)` in a scenario.
    public func set(_ date: Date) { state.withLock { $0.now = date } }

    /// Moves the clock on by `seconds` (none when negative), in one step: waits made side by side
    /// (two runs' retries) all count, in whatever order they come. A client's waits on this clock.
    public func pass(_ seconds: Double) { state.withLock { $0.now = $0.now.addingTimeInterval(max(0, seconds)) } }

    /// The daemon polls: what it finds is what the studio holds now.
    func notePoll() {
        let version = studioVersion()
        state.withLock { $0.polledVersion = version &+ $0.changes }
    }

    /// The daemon's poll failed (the studio unreachable, a state locked): it saw nothing, so the
    /// next poll instant polls again, as it would in real time.
    func notePollFailed() { state.withLock { $0.polledVersion = .min } }

    /// Something the daemon's next poll would act on changed outside the studio (a request
    /// approved from a scenario): the next poll instant polls, as it would in real time.
    public func noteChange() { state.withLock { $0.changes &+= 1 } }

    private func version(_ state: State) -> Int { studioVersion() &+ state.changes }

    /// The daemon's wait: until the clock reaches `wake`, or a poll instant
    /// of `polls` once the studio changed, or the task is cancelled.
    /// - Returns: whether a poll is due (the studio changed, and a poll instant came).
    func sleep(until wake: Date?, polls: PollGrid?) async -> Bool {
        let (id, version) = state.withLock { state -> (UInt64, Int) in
            state.lastID += 1
            return (state.lastID, state.polledVersion)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    if Task.isCancelled {
                        continuation.resume(returning: false)
                        return []
                    }
                    state.sleeper = Sleeper(id: id, wake: wake, polls: polls, version: version, continuation: continuation)
                    defer { state.waiting = [] }
                    return state.waiting
                }
                for waiter in waiting { waiter.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard state.sleeper?.id == id else { return nil }
                defer { state.sleeper = nil }
                return state.sleeper
            }
            sleeper?.continuation.resume(returning: false)
        }
    }

    /// Whether a daemon runs on this clock (it ended, or never started, when not).
    public var hasDaemon: Bool { state.withLock { $0.attached } }

    /// A daemon is about to run on this clock: from now on `advance` waits
    /// for it to go to sleep between moments (`WatchService.start` calls it).
    func attach() { state.withLock { $0.attached = true } }

    /// The daemon stopped: `advance` no longer waits for it.
    func daemonEnded() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.attached = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Moves the clock to `target`, waking the daemon at each moment
    /// something falls due on the way and letting it finish that work
    /// (`advance(to: now)` lets it handle what is due at once). Returns
    /// when the daemon sleeps past `target`, has ended, or none runs.
    public func advance(to target: Date) async {
        _ = await advance(to: target, stoppingAtEnd: false)
    }

    /// `advance`, but a daemon that ends on the way (it crashed, in the simulator) leaves the clock
    /// at the moment it ended, for a supervisor to start it again then. Returns whether the clock
    /// reached `target`.
    public func advanceWhileRunning(to target: Date) async -> Bool {
        await advance(to: target, stoppingAtEnd: true)
    }

    /// One step of `advance`: wake the daemon at a moment on the way, or stop.
    private enum Step {
        case wake(Sleeper, polling: Bool)
        /// The clock is at the target.
        case reached
        /// The daemon ended on the way; the clock stays where it was.
        case ended
    }

    private func advance(to target: Date, stoppingAtEnd: Bool) async -> Bool {
        while true {
            await untilAsleep()
            let step = state.withLock { state -> Step in
                guard let sleeper = state.sleeper else {
                    if stoppingAtEnd && !state.attached { return .ended }
                    state.now = max(state.now, target)
                    return .reached
                }
                var due = sleeper.wake
                var poll: Date?
                if let polls = sleeper.polls, version(state) != sleeper.version {
                    poll = polls.next(atOrAfter: state.now)
                    due = min(due ?? poll!, poll!)
                }
                guard let due, due <= target else {
                    state.now = max(state.now, target)
                    return .reached
                }
                state.now = max(state.now, due)
                state.sleeper = nil
                return .wake(sleeper, polling: poll.map { $0 <= due } ?? false)
            }
            switch step {
            case .wake(let sleeper, let polling): sleeper.continuation.resume(returning: polling)
            case .reached: return true
            case .ended: return false
            }
        }
    }

    /// `advance` by `seconds`.
    public func advance(by seconds: Double) async { await advance(to: now().addingTimeInterval(seconds)) }

    /// Waits until the daemon sleeps (at once when none runs).
    private func untilAsleep() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.sleeper != nil || !state.attached { return true }
                state.waiting.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
