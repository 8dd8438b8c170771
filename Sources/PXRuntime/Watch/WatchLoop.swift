import Foundation
import Logging
import PixiesetKit
import PixiesetModels

/// The watch daemon's cycle (SPEC §6): poll, then handle every due event —
/// conversations concurrently (bounded), each conversation's events in
/// `sent_at` order. A failing handler is retried with backoff a bounded
/// number of times, then parked; later events of its conversation wait
/// until then.
public struct WatchLoop: Sendable {
    let runtime: PXRuntime
    let poller: Poller
    let store: StateStore
    let client: PixiesetClient
    let logger: Logger
    let clock: RuntimeClock
    /// Conversations handled at once.
    let concurrency: Int
    /// Tries of a failing handler before it is parked.
    let maxAttempts: Int
    /// Seconds before the second try; doubled for each further one (at most 5 minutes).
    let retryDelay: Double
    /// When the daemon started: `every` and `cron` count from here until they first run.
    let startedAt: Date

    public init(
        runtime: PXRuntime, poller: Poller, store: StateStore, client: PixiesetClient, logger: Logger, clock: RuntimeClock,
        concurrency: Int = 8, maxAttempts: Int = 3, retryDelay: Double = 5
    ) {
        self.runtime = runtime
        self.poller = poller
        self.store = store
        self.client = client
        self.logger = logger
        self.clock = clock
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        startedAt = clock.now()
    }

    /// What one cycle did.
    public struct Report: Sendable {
        public var polled: Poller.Result
        public var handled = 0, skipped = 0, failed = 0, parked = 0
        /// Conversations held back by pause or the send cap.
        public var waiting = 0
        public var schedules = PXRuntime.ScheduleReport()
    }

    /// Runs the schedules due at `now` (each cycle does, after the events).
    public func runSchedules(now: Date) async throws -> PXRuntime.ScheduleReport {
        try await runtime.runDueSchedules(now: now, startedAt: startedAt)
    }

    /// Seconds before try `attempt + 1` of a failing handler.
    func backoff(afterAttempt attempt: Int) -> Double { min(300, retryDelay * pow(2, Double(attempt - 1))) }

    /// Midnight after `date` in the send cap's zone, when the cap resets.
    func nextDay(after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = runtime.timeZone
        return calendar.nextDate(after: date, matching: DateComponents(hour: 0, minute: 0), matchingPolicy: .nextTime) ?? date.addingTimeInterval(3600)
    }

    /// One poll and the events due.
    public func cycle() async throws -> Report {
        let polled = try await poller.poll(now: clock.now())
        var report = Report(polled: polled)
        let open = try store.openEvents()
        let byConversation = Dictionary(grouping: open, by: \.conversationID)
        let outcomes = try await withThrowingTaskGroup(of: [String: Int].self) { group in
            var pending = byConversation.keys.sorted()[...]
            var totals: [String: Int] = [:]
            func start() {
                guard let id = pending.popFirst() else { return }
                let events = byConversation[id] ?? []
                group.addTask { try await handleConversation(id, events: events, known: polled.conversations[id]) }
            }
            for _ in 0..<concurrency { start() }
            while let counts = try await group.next() {
                totals.merge(counts, uniquingKeysWith: +)
                start()
            }
            return totals
        }
        report.handled = outcomes["done"] ?? 0
        report.skipped = outcomes["skipped"] ?? 0
        report.failed = outcomes["failed"] ?? 0
        report.parked = outcomes["parked"] ?? 0
        report.waiting = (outcomes["paused"] ?? 0) + (outcomes["capped"] ?? 0)
        if let capped = outcomes["capped"], capped > 0 {
            logger.warning("the daily send cap is reached: \(capped) conversation(s) wait for tomorrow (raise it with --max-sends)")
        }
        report.schedules = try await runSchedules(now: clock.now())
        return report
    }

    /// One conversation's due events, in order; stops at one waiting for a retry.
    private func handleConversation(_ id: String, events: [LedgerEvent], known: Conversation?) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        var conversation = known
        for event in events.sorted(by: { ($0.message.sentAt, $0.message.id) < ($1.message.sentAt, $1.message.id) }) {
            let now = clock.now()
            if event.state == "failed", let retryAt = event.retryAt, retryAt > now { break }
            if conversation == nil { conversation = try await client.conversation(id, messages: true) }
            guard let conversation else { break }
            let attempt = try await store.beginHandling(event.message.id)
            switch try await runtime.handle(event.message, in: conversation, now: now) {
            case .done:
                counts["done", default: 0] += 1
            case .tooOld:
                try await store.skipEvent(event.message.id, reason: "max_age")
                try? await store.journal("skipped", conversationID: id, detail: "\(event.message.id): older than max_age", at: now)
                counts["skipped", default: 0] += 1
            case .failed(let message, _) where ["PAUSED", "SEND_CAP"].contains(PxError.parse(message).code):
                // Not the handler's fault: its tries are not used up. Paused events wait
                // for resume; capped ones for the next day (both still subject to max_age).
                let capped = PxError.parse(message).code == "SEND_CAP"
                let retryAt = capped ? nextDay(after: now) : now.addingTimeInterval(max(retryDelay, 0))
                try await store.failEvent(event.message.id, reason: capped ? "cap" : "paused", traceback: "", retryAt: retryAt, countAttempt: false)
                counts[capped ? "capped" : "paused", default: 0] += 1
                return counts
            case .failed(let message, let traceback):
                let parked = attempt >= maxAttempts
                let retryAt = parked ? nil : now.addingTimeInterval(backoff(afterAttempt: attempt))
                try await store.failEvent(event.message.id, reason: message, traceback: traceback, retryAt: retryAt)
                logger.error(
                    "handler failed for \(event.message.id) (try \(attempt) of \(maxAttempts))\(parked ? "; parked" : ""): \(message)\n\(traceback)")
                counts[parked ? "parked" : "failed", default: 0] += 1
                // Later events of this conversation wait until this one is done or parked.
                if !parked { return counts }
            }
        }
        return counts
    }
}
