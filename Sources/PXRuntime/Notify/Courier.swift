import Foundation
import Logging
import PXNotify
import PXState
import Synchronization

/// Delivers the notices of some states to the configured targets (issue
/// 20), apart from everything else: one worker per target, each in the
/// order notices were posted. A target that fails is tried again with
/// backoff (10 s, doubling, at most 30 minutes between tries), then given up
/// on after `maxAttempts`; a refusal that will not change (HTTP 400, 404)
/// is given up on at once. Nothing waits for it: handlers and sends only
/// write a row and ring the bell.
///
/// A state that cannot be read or written for a while (locked, a full
/// disk) delays deliveries, never loses or repeats one: a worker
/// that could not read looks again after a pause instead of waiting for a
/// bell that may never ring, and a delivery made but not recorded is
/// recorded later instead of being made again.
///
/// Backoff is paced by `Timing.pause`: real time by default (it paces a real
/// server and decides nothing about clients); tests give a pause that
/// returns at once, so retries never wait in real time.
public final class Courier: Sendable {
    public struct Timing: Sendable {
        public var firstRetry: Duration = .seconds(10)
        public var longestRetry: Duration = .seconds(1800)
        public var maxAttempts = 10
        /// How a worker waits between tries.
        public var pause: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }

        public init() {}
    }

    let targets: [NoticeTarget]
    let sender: NoticeSender
    let logger: Logger
    let timing: Timing
    /// The studio's time, for when a delivery is recorded.
    let now: @Sendable () -> Date
    private let state = Mutex(Shared())

    /// A try whose outcome could not be written yet (the state locked, the disk full): kept here
    /// and written before anything else is tried for its target, so it is neither made again nor lost.
    private struct Unrecorded: Hashable {
        let store: ObjectIdentifier
        let noticeID: Int64
        let delivered: Bool
        let givenUp: Bool
        let error: String?
        /// The journal's line when it is given up.
        let note: String?
    }

    private struct Shared {
        var stores: [ObjectIdentifier: StateStore] = [:]
        /// Per target, the notice waiting for its retry, and the pause before it.
        var retrying: [String: (noticeID: Int64, pause: Duration)] = [:]
        /// Per target, tries whose outcome waits for the state to be writable again.
        var unrecorded: [String: Set<Unrecorded>] = [:]
        var bells: [String: AsyncStream<Void>.Continuation] = [:]
        /// Deliveries of notices no state could record (`deliverUnrecorded`) still under way.
        var unrecordedTasks: [UUID: Task<Void, Never>] = [:]
    }

    public init(targets: [NoticeTarget], sender: NoticeSender, logger: Logger, timing: Timing = Timing(), now: @escaping @Sendable () -> Date) {
        self.targets = targets
        self.sender = sender
        self.logger = logger
        self.timing = timing
        self.now = now
    }

    /// Delivers the notices of `store` too (pending ones from an earlier run included).
    public func serve(_ store: StateStore) {
        state.withLock { $0.stores[ObjectIdentifier(store)] = store }
        ring()
    }

    /// Something was posted: the workers look.
    public func ring() {
        for bell in state.withLock({ Array($0.bells.values) }) { bell.yield() }
    }

    /// Runs the workers until the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for target in targets { group.addTask { await self.work(for: target) } }
        }
    }

    /// Delivers what is pending now, for at most `limit`: what a one-off run does before it
    /// ends. What is not delivered by then stays in the state for the next run or daemon.
    public func flush(within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { inner in
                    for target in self.targets {
                        inner.addTask {
                            while !Task.isCancelled, case .ready(let store, let job) = self.next(for: target) {
                                await self.attempt(job, on: store, to: target)
                            }
                        }
                    }
                    for task in self.state.withLock({ Array($0.unrecordedTasks.values) }) { inner.addTask { await task.value } }
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Delivers `notice` to every target once, now, without a record in any state: what the
    /// daemon does when no state can be written (a full disk) and the photographer must still hear.
    func deliverUnrecorded(_ notice: Notice) {
        let id = UUID()
        let task = Task {
            for target in targets {
                do {
                    try await sender.deliver(notice, to: target)
                } catch {
                    logger.error("notification to \(target.label) could not be delivered (\(error)): \(notice.title)")
                }
            }
            _ = state.withLock { $0.unrecordedTasks.removeValue(forKey: id) }
        }
        state.withLock { $0.unrecordedTasks[id] = task }
    }

    private enum Next {
        case ready(StateStore, PendingDelivery)
        /// The oldest notice waits for its retry, after this pause.
        case retry(after: Duration)
        /// A state could not be read or written: look again after this pause.
        case pause(Duration)
        case idle
    }

    /// The oldest notice pending for `target` across the states, unless it waits for its retry.
    private func next(for target: NoticeTarget) -> Next {
        let (stores, retrying) = state.withLock { (Array($0.stores.values), $0.retrying[target.key]) }
        if !recordOutcomes(for: target) { return .pause(timing.firstRetry) }
        var oldest: (StateStore, PendingDelivery)?
        var unreadable = false
        for store in stores {
            let jobs: [PendingDelivery]
            do {
                jobs = try store.notices.pendingDeliveries(for: target.key)
            } catch {
                unreadable = true
                continue
            }
            guard let job = jobs.first else { continue }
            if let current = oldest, current.1.notice.at <= job.notice.at { continue }
            oldest = (store, job)
        }
        guard let (store, job) = oldest else { return unreadable ? .pause(timing.firstRetry) : .idle }
        if let retrying, retrying.noticeID == job.noticeID { return .retry(after: retrying.pause) }
        return .ready(store, job)
    }

    /// Writes the outcomes that could not be written; false while some still cannot be.
    private func recordOutcomes(for target: NoticeTarget) -> Bool {
        let waiting = state.withLock { $0.unrecorded[target.key] ?? [] }
        guard !waiting.isEmpty else { return true }
        let stores = state.withLock { $0.stores }
        var left = waiting
        for outcome in waiting {
            guard let store = stores[outcome.store] else {
                left.remove(outcome)
                continue
            }
            let written: Void? = try? store.notices.recordDelivery(
                outcome.noticeID, target: target.key, delivered: outcome.delivered, givenUp: outcome.givenUp, error: outcome.error,
                note: outcome.note, at: now())
            if written != nil { left.remove(outcome) }
        }
        state.withLock { $0.unrecorded[target.key] = left }
        return left.isEmpty
    }

    private func keepUnrecorded(
        _ job: PendingDelivery, on store: StateStore, to target: NoticeTarget, delivered: Bool, givenUp: Bool, error: String?, note: String? = nil
    ) {
        let outcome = Unrecorded(
            store: ObjectIdentifier(store), noticeID: job.noticeID, delivered: delivered, givenUp: givenUp, error: error, note: note)
        state.withLock { _ = $0.unrecorded[target.key, default: []].insert(outcome) }
    }

    private func work(for target: NoticeTarget) async {
        let (bell, ringer) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.bells[target.key] = ringer }
        defer { _ = state.withLock { $0.bells.removeValue(forKey: target.key) } }
        var rings = bell.makeAsyncIterator()
        while !Task.isCancelled {
            switch next(for: target) {
            case .ready(let store, let job):
                await attempt(job, on: store, to: target)
            case .retry(let pause):
                await timing.pause(pause)
                state.withLock { _ = $0.retrying.removeValue(forKey: target.key) }
            case .pause(let pause):
                await timing.pause(pause)
            case .idle:
                _ = await rings.next()
            }
        }
    }

    /// One try of one notice; its outcome recorded in the state it came from.
    private func attempt(_ job: PendingDelivery, on store: StateStore, to target: NoticeTarget) async {
        // A try under way is finished, not cut short by a stop: the target may hold the notice already,
        // and a try cut short is made again (by the stop's flush or the next start): a duplicate. It
        // lasts at most the sender's timeout. (A task of its own is not cancelled with this one.)
        let sender = sender, notice = job.notice
        let failed: NotifyError? = await Task {
            do throws(NotifyError) {
                try await sender.deliver(notice, to: target)
                return nil
            } catch {
                return error
            }
        }.value
        guard let error = failed else {
            // Delivered: recorded even when a stop came meanwhile, or the next start would deliver it again.
            do {
                try store.notices.recordDelivery(job.noticeID, target: target.key, delivered: true, at: now())
            } catch {
                // Delivered, but the state cannot say so yet: kept here, so it is recorded later, never delivered twice.
                logger.warning("a delivered notification could not be recorded yet (\(error)); it is recorded once the state can be written")
                keepUnrecorded(job, on: store, to: target, delivered: true, givenUp: false, error: nil)
            }
            state.withLock { _ = $0.retrying.removeValue(forKey: target.key) }
            return
        }
        // Failed as a stop came: not counted against the target; tried again at the next start.
        if Task.isCancelled { return }
        let tries = job.attempts + 1
        let givingUp = !error.isTransient || tries >= timing.maxAttempts
        let failure = error.description
        // Journaled with the state it is given up in, in one write: never one without the other.
        let note = givingUp ? "\(target.label): \(job.notice.title) (\(error))" : nil
        do {
            try store.notices.recordDelivery(job.noticeID, target: target.key, delivered: false, givenUp: givingUp, error: failure, note: note, at: now())
        } catch {
            // Its try is not counted yet: nothing more is tried for this target until it is (no loop of tries).
            keepUnrecorded(job, on: store, to: target, delivered: false, givenUp: givingUp, error: failure, note: note)
        }
        if givingUp {
            logger.error("notification to \(target.label) given up after \(tries) \(tries == 1 ? "try" : "tries"): \(error)")
            state.withLock { _ = $0.retrying.removeValue(forKey: target.key) }
        } else {
            let pause = min(timing.longestRetry, timing.firstRetry * (1 << min(tries - 1, 20)))
            logger.warning("notification to \(target.label) failed (\(error)); trying again in \(pause)")
            state.withLock { $0.retrying[target.key] = (job.noticeID, pause) }
        }
    }
}
