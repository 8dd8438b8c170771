import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXState
import Synchronization

/// One script's handling in the watch daemon (docs/spec.md §6): after the daemon's poll
/// (`WatchCycle.pass`, the only poll), every due event —
/// conversations concurrently (bounded), each conversation's events in
/// `sent_at` order. A failing handler is retried with backoff a bounded
/// number of times, then parked; later events of its conversation wait
/// until then.
public struct WatchLoop: Sendable {
    public let runtime: PXRuntime
    let store: StateStore
    let client: PixiesetClient
    let logger: Logger
    public let clock: RuntimeClock
    /// Conversations handled at once.
    let concurrency: Int
    /// Tries of a failing handler before it is parked.
    let maxAttempts: Int
    /// Seconds before the second try; doubled for each further one (at most 5 minutes).
    let retryDelay: Double
    /// When the daemon started: `every` and `cron` count from here until they first run.
    let startedAt: Date
    /// Conversations whose own messages the API labelled as the client's: warned about once.
    private let warnedOwn = WarnedOnce()
    /// Tries that met a local fault and are to be given back.
    private let refunds = AttemptRefunds()
    /// Conversations whose last tries met the studio's trouble: they wait, and are never parked for it.
    private let trouble = TroubleStreaks()
    /// The other scripts of the daemon: their messages are pxscript's own too (the loop guard).
    public var siblings: [PXRuntime] = []

    public init(
        runtime: PXRuntime, store: StateStore, client: PixiesetClient, logger: Logger, clock: RuntimeClock,
        concurrency: Int = 8, maxAttempts: Int = 3, retryDelay: Double = 5
    ) {
        self.runtime = runtime
        self.store = store
        self.client = client
        self.logger = logger
        self.clock = clock
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        startedAt = clock.now()
    }

    /// Runs the schedules due at `now` (each cycle does, after the events).
    public func runSchedules(now: Date) async throws -> PXRuntime.ScheduleReport {
        try await runtime.runDueSchedules(now: now, startedAt: startedAt)
    }

    /// Seconds before try `attempt + 1` of a failing handler.
    func backoff(afterAttempt attempt: Int) -> Double { min(300, retryDelay * pow(2, Double(attempt - 1))) }

    /// The events and schedules due after `polled`.
    public func handle(_ polled: Poller.Result?) async throws -> Report {
        var report = try await handleDue(known: polled?.conversations ?? [:])
        report.polled = polled
        return report
    }

    /// The events and schedules due now, without polling: what the daemon
    /// does when `Report.wake` comes before its next poll.
    public func handleDue(known: [String: Conversation] = [:]) async throws -> Report {
        var report = Report()
        // Sends left pending by a refused CSRF token or a failed check are looked for before
        // their events run again (never blindly repeated); a check that fails leaves them for the next pass.
        if store.sends.hasLeftPendingSends {
            do {
                try await runtime.reconcilePending()
            } catch {
                logger.warning("\(error)")
            }
        }
        // Tries a local fault used up, given back before anything runs again (or this pass fails too).
        try await refunds.settle(on: store)
        let byConversation = Dictionary(grouping: try store.ledger.openEvents(), by: \.conversationID)
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            var pending = byConversation.keys.sorted()[...]
            var total = Outcome()
            func start() {
                guard let id = pending.popFirst() else { return }
                let events = byConversation[id] ?? []
                group.addTask { try await handleConversation(id, events: events, known: known[id]) }
            }
            for _ in 0..<concurrency { start() }
            while let outcome = try await group.next() {
                total.merge(outcome)
                start()
            }
            return total
        }
        report.handled = outcomes.counts[.done] ?? 0
        report.replied = outcomes.counts[.replied] ?? 0
        report.skipped = outcomes.counts[.skipped] ?? 0
        report.failed = outcomes.counts[.failed] ?? 0
        report.parked = outcomes.counts[.parked] ?? 0
        report.debouncing = outcomes.counts[.debouncing] ?? 0
        report.waiting = (outcomes.counts[.paused] ?? 0) + (outcomes.counts[.capped] ?? 0) + (outcomes.counts[.waiting] ?? 0)
        report.capped = outcomes.counts[.capped] ?? 0
        report.parkedConversations = outcomes.parked
        report.workingConversations = outcomes.working
        if let capped = outcomes.counts[.capped], capped > 0 {
            logger.warning("the daily send cap is reached: \(capped) conversation(s) wait for tomorrow (raise it with --max-sends)")
        }
        report.schedules = try await runSchedules(now: clock.now())
        // Approved requests go out within one poll of being approved; undecided ones expire on time.
        // One read when nothing waits.
        var expiry: Date?
        if try store.approvals.anyOpen() {
            do {
                _ = try await runtime.sendApproved()
            } catch {
                logger.warning("approved messages wait: \(error)")
            }
            expiry = try store.approvals.nextExpiry()
        }
        // `pxscript watch --trigger NAME` from another terminal: run once, the schedule's own next run unchanged.
        let asked = try store.settings.takeTriggers()
        var triggers = await runtime.takeKeptTriggers() + asked
        while let name = triggers.first {
            do {
                let ran = try await runtime.runSchedule(named: name, now: clock.now())
                logger.info("schedule \(name) ran once (--trigger)\(ran ? "" : " and failed")")
                if ran { report.schedules.ran.append(name) } else { report.schedules.failed.append(name) }
            } catch where LocalFault(error) != nil {
                // Taken from the state but not run: kept here, run once the fault passes.
                await runtime.keepTriggers(triggers)
                throw error
            } catch {
                logger.error("--trigger \(name): \(error)")
            }
            triggers.removeFirst()
        }
        // An open approval's expiry wakes the daemon too, so it closes on time.
        report.wake = [outcomes.wake, report.schedules.nextDue, expiry].compactMap { $0 }.min()
        return report
    }

    /// One conversation's due events, in order; stops at one waiting for a
    /// retry. With `debounce`, the open events go to one run once the
    /// newest is quiet for that long.
    private func handleConversation(_ id: String, events: [LedgerEvent], known: Conversation?) async throws -> Outcome {
        var result = Outcome()
        var conversation = known
        // `openEvents` gives them in `sent_at` order already.
        let debounce = runtime.debounce
        let runs: [[LedgerEvent]] = debounce > 0 ? [events] : events.map { [$0] }
        for burst in runs {
            guard let newest = burst.last else { continue }
            let now = clock.now()
            // A failed try waits for its retry; the burst waits for it (it goes with it).
            if let retryAt = burst.compactMap({ $0.state == .failed ? $0.retryAt : nil }).max(), retryAt > now {
                result.wake(at: retryAt)
                break
            }
            if debounce > 0 {
                let quietAt = Date(timeIntervalSince1970: newest.message.sentAt.secondsSince1970 + debounce)
                if quietAt > now {
                    result.count(.debouncing)
                    result.wake(at: quietAt)
                    break
                }
            }
            // The loop guard: pxscript's own messages are never handled, whatever the API labels them.
            var own = try await runtime.ownMessages(burst.map(\.message), conversationID: id, now: now)
            for sibling in siblings where own.count < burst.count {
                own.formUnion(try await sibling.ownMessages(burst.map(\.message), conversationID: id, now: now))
            }
            var burst = burst
            if !own.isEmpty {
                try await store.ledger.skipEvents(Array(own), conversationID: id, reason: "own", detail: "own message labelled client", at: now)
                if warnedOwn.first(id) {
                    logger.warning("\(id): the API labels pxscript's own message as the client's; not answered (loop guard)")
                }
                result.count(.own)
                burst.removeAll { own.contains($0.message.id) }
                if burst.isEmpty { continue }
            }
            if conversation == nil {
                do {
                    conversation = try await client.conversation(id, messages: true)
                } catch let error as PixiesetError where StudioTrouble.isPassing(error) {
                    // The studio's answer was cut short (or errors kept coming for it): the events wait, no try used up
                    // (`waitForStudio` gives back the one counted here).
                    _ = try await store.ledger.beginHandling(burst.map(\.message.id))
                    return try await waitForStudio(burst.map(\.message.id), in: id, reason: "the conversation could not be read: \(error)", now: now, result)
                } catch let error as PixiesetError where Poller.isConversationsOwn(error) {
                    // This conversation's trouble is its own (gone, refused): its events wait, with backoff, then are parked.
                    let ids = burst.map(\.message.id)
                    let attempt = try await store.ledger.beginHandling(ids)
                    let parked = attempt >= maxAttempts
                    let retryAt = parked ? nil : now.addingTimeInterval(backoff(afterAttempt: attempt))
                    try await store.ledger.failEvents(ids, conversationID: id, reason: "the conversation could not be read: \(error)", traceback: "", retryAt: retryAt, at: now)
                    logger.error("\(id) could not be read (\(error)); \(parked ? "its messages are parked" : "tried again later")")
                    result.count(parked ? .parked : .failed)
                    if parked { result.parked[id] = ("conversation \(id)", WatchCycle.firstLine("the conversation could not be read: \(error)")) }
                    if let retryAt { result.wake(at: retryAt) }
                    return result
                }
            }
            guard let conversation else { break }
            // The client wrote again: what waits for approval in this conversation no longer fits it.
            let wrote = Date(timeIntervalSince1970: newest.message.sentAt.secondsSince1970)
            for withdrawn in try await store.approvals.withdraw(in: id, askedBefore: wrote, reason: "the client wrote again", at: now) {
                logger.info("\(withdrawn) withdrawn: the client wrote again in \(id)")
            }
            let ids = burst.map(\.message.id)
            let attempt = try await store.ledger.beginHandling(ids)
            let handled: PXRuntime.HandlerOutcome
            do {
                handled = try await runtime.handle(burst.map(\.message), in: conversation, now: now, retried: burst.contains(where: \.retried))
            } catch where LocalFault(error) != nil {
                // Its end could not be written (a lock, a full disk): the try does not count.
                await refunds.give(ids, on: store)
                throw error
            }
            // Stopped by the host (a shutdown past its deadline, or another conversation's local
            // fault): not the handler's fault; the events stay open, their try given back.
            if handled.isFailure, Task.isCancelled {
                await refunds.give(ids, on: store)
                throw CancellationError()
            }
            // The studio answered this try (its read and sends) unless it ends waiting for it: the wait starts over.
            if !handled.metStudioTrouble { trouble.passed(in: id) }
            switch handled {
            case .done(let replied):
                result.count(.done)
                result.working.insert(id)
                if replied { result.count(.replied) }
            case .tooOld:
                try await store.ledger.skipEvents(ids, conversationID: id, reason: "max_age", detail: "older than max_age", at: now)
                result.count(.skipped)
            case .studioTrouble(let message):
                return try await waitForStudio(ids, in: id, reason: message, now: now, result)
            case .localFault(let fault):
                // This machine failed the state (a lock, a full disk): not the handler's fault. The
                // events stay open without a try used up, and the daemon waits for the fault to pass.
                await refunds.give(ids, on: store)
                throw fault
            case .failed(let message, let traceback, let code):
                if let refusal = code?.refusal {
                    // The studio refused the login, not the handler: no try is used up; the event
                    // runs again once the session (or its CSRF token) works, and the daemon hears of it.
                    try await store.ledger.failEvents(
                        ids, conversationID: id, reason: refusal.noticeName, traceback: "", retryAt: now, countAttempt: false, at: now)
                    throw RuntimeError.refused(refusal, message)
                }
                if code == .sendInFlight {
                    // Its send waits for a check (or another process): not the handler's fault either.
                    let retryAt = now.addingTimeInterval(max(retryDelay, 0))
                    try await store.ledger.failEvents(
                        ids, conversationID: id, reason: "pending", traceback: "", retryAt: retryAt, countAttempt: false, at: now)
                    result.count(.waiting)
                    result.wake(at: retryAt)
                    return result
                }
                if code == .paused || code == .sendCap {
                    // Not the handler's fault: its tries are not used up. Paused events wait
                    // for resume; capped ones for the next day (both still subject to max_age).
                    let capped = code == .sendCap
                    let retryAt = capped ? StateStore.dayBounds(of: now, in: runtime.timeZone).end : now.addingTimeInterval(max(retryDelay, 0))
                    try await store.ledger.failEvents(
                        ids, conversationID: id, reason: capped ? "cap" : "paused", traceback: "", retryAt: retryAt, countAttempt: false, at: now)
                    result.count(capped ? .capped : .paused)
                    return result
                }
                let parked = attempt >= maxAttempts
                let retryAt = parked ? nil : now.addingTimeInterval(backoff(afterAttempt: attempt))
                try await store.ledger.failEvents(ids, conversationID: id, reason: message, traceback: traceback, retryAt: retryAt, at: now)
                logger.error(
                    "handler failed for \(ids.joined(separator: ", ")) (try \(attempt) of \(maxAttempts))\(parked ? "; parked" : ""): \(message)\n\(traceback)")
                result.count(parked ? .parked : .failed)
                if parked { result.parked[id] = (conversation.client?.name ?? id, WatchCycle.firstLine(message)) }
                // Later events of this conversation wait until this one is done or parked.
                if let retryAt {
                    result.wake(at: retryAt)
                    return result
                }
            }
        }
        return result
    }

    /// Events whose try met the studio's trouble (`StudioTrouble`): open again after a wait that grows
    /// with the trouble in a row (as a failing handler's does, at most 5 minutes), no try used up.
    private func waitForStudio(_ ids: [String], in id: String, reason: String, now: Date, _ outcome: Outcome) async throws -> Outcome {
        var result = outcome
        let streak = trouble.met(in: id)
        let retryAt = now.addingTimeInterval(backoff(afterAttempt: streak))
        try await store.ledger.failEvents(ids, conversationID: id, reason: reason, traceback: "", retryAt: retryAt, countAttempt: false, at: now)
        // Said when it starts, and once more if it lasts, not at every try.
        if StudioTrouble.isTold(streak: streak) {
            // The reason last: the journal's line may be cut, and what the photographer needs comes first.
            let words = "the studio's trouble, not the handler's: the message\(ids.count == 1 ? " \(streak > 1 ? "still " : "")waits" : "s \(streak > 1 ? "still " : "")wait") (\(WatchCycle.firstLine(reason)))"
            try await store.journal.append(.studioTrouble, conversationID: id, detail: "\(ids.joined(separator: ", ")): \(words)", at: now)
            logger.error("\(id): \(words); tried again, never parked for it")
        }
        result.count(.failed)
        result.wake(at: retryAt)
        return result
    }
}
