import Foundation
import Logging
import LuaKit
import PixiesetModels
import PXState
import Synchronization

extension PXRuntime {
    /// What one pass over the schedules did.
    public struct ScheduleReport: Sendable {
        public var ran: [String] = []
        public var failed: [String] = []
        /// When the next schedule is due (nil: none will run again).
        public var nextDue: Date?
    }

    /// Runs every schedule due at `now`, once each (docs/spec.md §6): a run missed
    /// while the daemon was down runs once, `at` once ever, `after` from
    /// memory. Sends are keyed by (schedule, due time, ordinal); effects
    /// commit with the run.
    public func runDueSchedules(now: Date, startedAt: Date) async throws -> ScheduleReport {
        var report = ScheduleReport()
        let schedules = context.watch.schedules.withLock { $0 }
        guard !schedules.isEmpty, let runner = context.watch.scheduledRunner.withLock({ $0 }) else { return report }
        var runs = try context.store.schedules.runs()
        let zone = context.options.timeZone
        if notedNextRuns.isEmpty {
            // Schedules the script no longer has are forgotten: added back later, they count from then.
            try await context.store.schedules.forgetFirstSeen(except: schedules.map(\.id))
        }
        // A recorded time further back than a year (a hostile or broken state) counts from a year back:
        // the catch-up is one run either way, and no date arithmetic leaves the calendar's range.
        let floor = startedAt.addingTimeInterval(-366 * 86_400)
        func bounded(_ date: Date?) -> Date? { date.map { $0.timeIntervalSince1970.isFinite ? max($0, floor) : floor } }
        /// When it is next due: from its recorded runs, or for `after` (kept in memory only) from this process's.
        /// One that never ran counts from when a daemon first knew it, so a run missed while the daemon
        /// was down is caught up (once) whether or not it had run before; but only while the schedule is
        /// the one noted then (its next run as noted is what its timing gives from then): one whose
        /// timing was edited counts from this start.
        func nextDue(_ schedule: Schedule) -> Date? {
            if case .after = schedule.timing {
                return schedule.nextDue(lastRun: nil, done: afterDone.contains(schedule.id), startedAt: startedAt, in: zone)
            }
            let state = runs[schedule.id] ?? (lastRun: nil, done: false, nextRun: nil, firstSeen: nil)
            var known = startedAt
            if state.lastRun == nil, let first = bounded(state.firstSeen), first < startedAt,
               let noted = state.nextRun, schedule.nextDue(lastRun: nil, done: false, startedAt: first, in: zone) == noted {
                known = first
            }
            return schedule.nextDue(lastRun: bounded(state.lastRun), done: state.done, startedAt: known, in: zone)
        }
        /// When it runs next: when it is due, or when the studio's trouble lets it be tried again.
        func nextRun(_ schedule: Schedule) -> Date? {
            guard let due = nextDue(schedule) else { return nil }
            return scheduleRetries[schedule.id].map { max(due, $0.at) } ?? due
        }
        for schedule in schedules {
            guard let due = nextDue(schedule), due <= now, nextRun(schedule).map({ $0 <= now }) == true else { continue }
            let handlerRun = HandlerRun(eventID: "s:\(schedule.id)@\(Int64(saturating: due.timeIntervalSince1970))", conversationID: "")
            // `after` lives in memory only (docs/spec.md §6): nothing of it is recorded but its effects.
            let once: Bool, persist: Bool
            switch schedule.timing {
            case .at: (once, persist) = (true, true)
            case .after: (once, persist) = (true, false)
            case .every, .cron: (once, persist) = (false, true)
            }
            if !persist { afterDone.insert(schedule.id) }
            // Tried again no later than its next time would come (or a day, for `at`): a studio that keeps
            // failing it (or an answer that will never read) does not hold the schedule's later runs back.
            let giveUpAt: Date = switch schedule.timing {
            case .every, .cron: schedule.nextDue(lastRun: due, done: false, startedAt: due, in: zone) ?? due.addingTimeInterval(86_400)
            case .at, .after: due.addingTimeInterval(86_400)
            }
            let end: RunEnd
            do {
                end = try await run(
                    schedule, as: handlerRun, with: runner, recording: persist ? schedule.id : nil, done: once, at: now,
                    trouble: (scheduleRetries[schedule.id]?.streak ?? 0, giveUpAt))
            } catch {
                // Not run (a local fault): due again once it passes, its sends keyed by the same due time.
                if !persist { afterDone.remove(schedule.id) }
                throw error
            }
            switch end {
            case .ran, .failed:
                if end == .ran { report.ran.append(schedule.id) } else { report.failed.append(schedule.id) }
                scheduleRetries[schedule.id] = nil
                runs[schedule.id] = (now, once, runs[schedule.id]?.nextRun, runs[schedule.id]?.firstSeen)
            case .triedAgainAt(let at):
                // Still due at the same time (its sends keyed by it: none goes twice), tried again at `at`.
                report.failed.append(schedule.id)
                scheduleRetries[schedule.id] = (at, (scheduleRetries[schedule.id]?.streak ?? 0) + 1)
            }
        }
        // Names of the clients the runs read, for `status` (a schedule-only script has no poll to note them).
        await context.flushNames()
        // Each schedule's next run: the earliest wakes the daemon between polls;
        // for `status`, each is written when it changes (`after` is not kept).
        for schedule in schedules {
            // The daemon wakes for a retry; `status` keeps its due time (its catch-up rule reads it).
            if let wake = nextRun(schedule) { report.nextDue = min(report.nextDue ?? wake, wake) }
            let next = nextDue(schedule)
            if case .after = schedule.timing { continue }
            if notedNextRuns[schedule.id] != .some(next) {
                try await context.store.schedules.noteNextRun(schedule.id, at: next, firstSeen: startedAt)
                notedNextRuns[schedule.id] = .some(next)
            }
        }
        return report
    }

    /// How a scheduled run ended.
    enum RunEnd: Equatable {
        case ran, failed
        /// The studio's trouble failed it (`StudioTrouble`): not recorded as run, its effects dropped; tried again then.
        case triedAgainAt(Date)
    }

    /// Runs `schedule`'s function once as `run`, its effects committed with the record of the run
    /// (`recording` the schedule's id; nil: nothing but the effects). A recorded run that the studio's
    /// trouble failed (`streak` such runs before it) is tried again instead of waiting for its next time:
    /// a weekly outreach is not lost to a minute of outage. Failures are logged.
    /// - Parameter trouble: the runs before this one in a row that the studio's trouble failed, and
    ///   when to stop trying this due time again (its next time).
    private func run(
        _ schedule: Schedule, as run: HandlerRun, with runner: LuaReference, recording id: String?, done: Bool, at now: Date,
        triggered: Bool = false, trouble: (streak: Int, giveUpAt: Date)? = nil
    ) async throws -> RunEnd {
        let name = SendKeyText.scheduleName(schedule.id)
        /// A recorded run that the studio's trouble failed (a send of it, or what it raised): kept due, tried again.
        func triedAgain(_ failure: String, raised: LuaError? = nil) async throws -> RunEnd? {
            let studio = run.tally.current.metStudioTrouble || raised.map(StudioTrouble.caused) == true
            guard let id, let trouble, !triggered, studio else { return nil }
            // 30 s, doubled each time, at most hourly: a retry runs the whole function again.
            let retryAt = now.addingTimeInterval(StudioTrouble.wait(afterStreak: trouble.streak + 1, atMost: 3_600))
            guard retryAt < trouble.giveUpAt else { return nil }
            context.logger.error("scheduled run \(name) failed [\(schedule.position)] for the studio's trouble; tried again (nothing sent twice): \(failure)")
            // Journaled when it starts and once more if it lasts, not at every try (as a handler's wait is).
            try await context.store.schedules.recordTroubledRun(
                id, named: name, at: now, failure: failure, retryAt: retryAt, journal: StudioTrouble.isTold(streak: trouble.streak + 1))
            return .triedAgainAt(retryAt)
        }
        // Keys it held are free once its effects are recorded (or dropped).
        defer { try? context.store.kept.releaseHolds(of: run.holder) }
        do {
            _ = try await HandlerRun.$current.withValue(run) {
                try await lua.call(runner, with: [.integer(Int64(schedule.index))], timeout: context.options.handlerTimeout)
            }
            // Its effects stand (the function completed), but a run whose sends failed failed.
            let failure = run.tally.current.failureSummary
            if let failure, let again = try await triedAgain(failure) { return again }
            try await context.store.schedules.recordRun(
                id, named: name, at: now, done: done, effects: run.effects, failure: failure, triggered: triggered ? schedule.id : nil)
            if let failure { context.logger.error("scheduled run \(name) failed [\(schedule.position)]: \(failure)") }
            return failure == nil ? .ran : .failed
        } catch let error as LuaError {
            // This machine failed the state, not the function: the run does not count.
            if let fault = LocalFault(error) { throw LocalFault(fault.kind, path: context.store.path, detail: fault.detail) }
            if let again = try await triedAgain(Self.firstLine(error.description), raised: error) { return again }
            context.logger.error("scheduled run \(name) failed [\(schedule.position)]: \(error.description)")
            try await context.store.schedules.recordRun(
                id, named: name, at: now, done: done, effects: nil, failure: Self.firstLine(error.description), triggered: triggered ? schedule.id : nil)
            return .failed
        }
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// The schedules' names as `--trigger` takes them: the `name` option, else `every 1h`, `cron 0 9 * * *`.
    nonisolated public var scheduleNames: [String] {
        context.watch.schedules.withLock { $0 }.map { Self.triggerName($0.id) }
    }

    public static func triggerName(_ id: String) -> String {
        let name = SendKeyText.scheduleName(id)
        return name.hasPrefix("'") && name.hasSuffix("'") ? String(name.dropFirst().dropLast()) : name
    }

    /// Runs the schedule named `name` once now (`pxscript watch --trigger`): its own next run is
    /// unchanged, and its sends are keyed by this trigger, so a second trigger sends again.
    /// - Throws: `RuntimeError.usage` when no schedule has that name.
    public func runSchedule(named name: String, now: Date) async throws -> Bool {
        let schedules = context.watch.schedules.withLock { $0 }
        guard let schedule = schedules.first(where: { Self.triggerName($0.id) == name || $0.id == name }),
              let runner = context.watch.scheduledRunner.withLock({ $0 })
        else {
            let known = schedules.map { Self.triggerName($0.id) }
            throw RuntimeError.usage(
                "no schedule named '\(name.prefix(80))'" + (known.isEmpty ? "; the script has none" : "; its schedules: \(known.joined(separator: ", "))"))
        }
        let run = HandlerRun(eventID: "t:\(schedule.id)@\(Int64(saturating: (now.timeIntervalSince1970 * 1_000).rounded()))", conversationID: "")
        let ran = try await self.run(schedule, as: run, with: runner, recording: nil, done: false, at: now, triggered: true)
        await context.flushNames()
        return ran == .ran
    }
}
