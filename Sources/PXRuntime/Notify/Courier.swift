import Foundation
import Logging
import PXNotify
import Synchronization

/// Delivers the notices of some states to the configured targets (issue
/// 20), apart from everything else: one worker per target, each in the
/// order notices were posted. A target that fails is tried again with
/// backoff (10 s, doubling, at most 30 minutes between tries), then given up
/// on after `maxAttempts`; a refusal that will not change (HTTP 400, 404)
/// is given up on at once. Nothing waits for it: handlers and sends only
/// write a row and ring the bell.
///
/// Backoff is in this machine's time, like the client's retry pauses: it
/// paces a real server, and decides nothing about clients.
public final class Courier: Sendable {
    public struct Timing: Sendable {
        public var firstRetry: Duration = .seconds(10)
        public var longestRetry: Duration = .seconds(1800)
        public var maxAttempts = 10

        public init() {}
    }

    let targets: [NoticeTarget]
    let sender: NoticeSender
    let logger: Logger
    let timing: Timing
    /// The studio's time, for when a delivery is recorded.
    let now: @Sendable () -> Date
    private let state = Mutex(Shared())

    private struct Shared {
        var stores: [ObjectIdentifier: StateStore] = [:]
        /// A notice waiting for its retry, per target: its id and when it may be tried.
        var retryAt: [String: (noticeID: Int64, at: ContinuousClock.Instant)] = [:]
        var bells: [String: AsyncStream<Void>.Continuation] = [:]
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
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    private enum Next {
        case ready(StateStore, PendingDelivery)
        case waiting(until: ContinuousClock.Instant)
        case idle
    }

    /// The oldest notice pending for `target` across the states, unless it waits for its retry.
    private func next(for target: NoticeTarget) -> Next {
        let (stores, retry) = state.withLock { (Array($0.stores.values), $0.retryAt[target.key]) }
        var oldest: (StateStore, PendingDelivery)?
        for store in stores {
            guard let job = (try? store.pendingDeliveries(for: target.key))?.first else { continue }
            if oldest == nil || job.notice.at < oldest!.1.notice.at { oldest = (store, job) }
        }
        guard let (store, job) = oldest else { return .idle }
        if let retry, retry.noticeID == job.noticeID, retry.at > .now { return .waiting(until: retry.at) }
        return .ready(store, job)
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
            case .waiting(let until):
                try? await Task.sleep(until: until)
            case .idle:
                _ = await rings.next()
            }
        }
    }

    /// One try of one notice; its outcome recorded in the state it came from.
    private func attempt(_ job: PendingDelivery, on store: StateStore, to target: NoticeTarget) async {
        do {
            try await sender.deliver(job.notice, to: target)
            if Task.isCancelled { return }
            try? store.recordDelivery(job.noticeID, target: target.key, delivered: true, at: now())
            state.withLock { _ = $0.retryAt.removeValue(forKey: target.key) }
        } catch {
            // Cut short by a stop: not the target's failure; tried again at the next start.
            if Task.isCancelled { return }
            let tries = job.attempts + 1
            let givingUp = !error.isTransient || tries >= timing.maxAttempts
            try? store.recordDelivery(job.noticeID, target: target.key, delivered: false, givenUp: givingUp, error: error.description, at: now())
            if givingUp {
                logger.error("notification to \(target.label) given up after \(tries) \(tries == 1 ? "try" : "tries"): \(error)")
                try? await store.journal(
                    .notificationGivenUp, conversationID: nil, detail: "\(target.label): \(job.notice.title) (\(error))", at: now())
                state.withLock { _ = $0.retryAt.removeValue(forKey: target.key) }
            } else {
                let pause = min(timing.longestRetry, timing.firstRetry * (1 << min(tries - 1, 20)))
                logger.warning("notification to \(target.label) failed (\(error)); trying again in \(pause)")
                state.withLock { $0.retryAt[target.key] = (job.noticeID, .now.advanced(by: pause)) }
            }
        }
    }
}
