import GRDB
import Synchronization

/// Writes of the outbox and the ledger, grouped into shared commits.
///
/// The first writer to arrive leads: it lets the writes that are ready at
/// the same moment get in line (one `Task.yield`), then commits everything
/// queued in one transaction on GRDB's writer thread, each write in its own
/// savepoint (one refused write does not undo the others), and keeps
/// committing until nothing waits. Writers that arrive meanwhile wait and
/// are resumed once their commit is on disk. Meanwhile the leader's own
/// thread (the client's event loop, decision 0006) goes on with other
/// sends. A bulk run at concurrency 8 so pays one commit for several sends.
///
/// A write that nobody needs to wait for (a send's outcome: should it be
/// lost, the next run finds the message in the conversation) is `deferred`:
/// it rides in the next commit, and at the latest `flushDelay` later.
/// Writes keep their order, so a reservation that follows an outcome
/// always sees it.
final class GroupCommit: Sendable {
    /// One queued write.
    private struct Waiter: Sendable {
        /// Performs the write inside the shared transaction; throws its error.
        let run: @Sendable (Database) throws -> Void
        /// Hears how it ended: nil once committed, else its error or the transaction's.
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var waiting: [Waiter] = []
        var leading = false
        var flushScheduled = false
    }

    /// How long a deferred write may wait for a commit to ride in.
    static let flushDelay: Duration = .milliseconds(20)

    private let pool: DatabasePool
    private let queue = Mutex(Queue())

    init(pool: DatabasePool) { self.pool = pool }

    /// Performs `body` in a transaction shared with the writes queued
    /// before it; returns once that transaction is committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value = Mutex<T?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        let run: @Sendable (Database) throws -> Void = { db in
            let result = try body(db)
            value.withLock { $0 = result }
        }
        if takeLead() {
            // Writes that are ready at the same moment (other sends whose
            // answers came in together) get in line before the commit.
            await Task.yield()
            queue.withLock { $0.waiting.append(Waiter(run: run, finish: { error in failure.withLock { $0 = error } })) }
            await drain()
        } else {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let waiter = Waiter(run: run, finish: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                })
                let leads = queue.withLock { queue in
                    queue.waiting.append(waiter)
                    return Self.lead(&queue)
                }
                // The leader finished between the two looks: this caller leads now.
                if leads { Task { await self.drain() } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        guard let result = value.withLock({ $0 }) else { throw StateError("a state write did not run") }
        return result
    }

    /// Queues `body` without waiting: it is committed with the next write,
    /// by `flush`, or after `flushDelay`, whichever comes first.
    /// `ifFailed` hears of a write that could not be committed.
    func deferred(_ body: @escaping @Sendable (Database) throws -> Void, ifFailed: @escaping @Sendable (any Error) -> Void) {
        let waiter = Waiter(run: body, finish: { error in if let error { ifFailed(error) } })
        let schedules = queue.withLock { queue in
            queue.waiting.append(waiter)
            if queue.leading || queue.flushScheduled { return false }
            queue.flushScheduled = true
            return true
        }
        guard schedules else { return }
        // Rare (nothing else wrote within the delay), so a blocking commit on a shared thread is fine.
        Task {
            try? await Task.sleep(for: Self.flushDelay)
            queue.withLock { $0.flushScheduled = false }
            flushNow()
        }
    }

    /// Commits every queued write and returns once they are on disk.
    func flush() async throws {
        try await write { _ in }
    }

    /// `flush`, blocking the calling thread (for `close`).
    func flushNow() {
        let leads = queue.withLock { queue in queue.waiting.isEmpty ? false : Self.lead(&queue) }
        if leads { drainNow() }
    }

    private static func lead(_ queue: inout Queue) -> Bool {
        if queue.leading { return false }
        queue.leading = true
        return true
    }

    private func takeLead() -> Bool { queue.withLock { Self.lead(&$0) } }

    /// Commits batches until nothing waits, then gives up the lead.
    private func drain() async {
        while let batch = nextBatch() { await commit(batch) }
    }

    private func drainNow() {
        while let batch = nextBatch() {
            Self.finish(batch, Result { try pool.write { db in try Self.perform(batch, in: db) } })
        }
    }

    /// What waits, or nil (and the lead given up) when nothing does.
    private func nextBatch() -> [Waiter]? {
        queue.withLock { queue in
            if queue.waiting.isEmpty {
                queue.leading = false
                return nil
            }
            defer { queue.waiting = [] }
            return queue.waiting
        }
    }

    /// One transaction for `batch`, on the database's writer thread.
    private func commit(_ batch: [Waiter]) async {
        let outcome: Result<[(any Error)?], any Error>
        do {
            outcome = .success(try await pool.write { db in try Self.perform(batch, in: db) })
        } catch {
            outcome = .failure(error)
        }
        Self.finish(batch, outcome)
    }

    /// Each waiter hears how it ended: the transaction's failure, else its own.
    private static func finish(_ batch: [Waiter], _ outcome: Result<[(any Error)?], any Error>) {
        for (index, waiter) in batch.enumerated() {
            switch outcome {
            case .success(let errors): waiter.finish(errors[index])
            case .failure(let error): waiter.finish(error)
            }
        }
    }

    /// Runs `batch` in the open transaction; returns each write's error.
    private static func perform(_ batch: [Waiter], in db: Database) throws -> [(any Error)?] {
        // Alone, a write's error rolls the whole transaction back: no savepoint needed.
        if batch.count == 1 {
            try batch[0].run(db)
            return [nil]
        }
        // Prepared once per connection (GRDB's inSavepoint parses its SQL each time).
        let begin = try db.cachedStatement(sql: "SAVEPOINT groupcommit")
        let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT groupcommit")
        let undo = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT groupcommit")
        var errors: [(any Error)?] = []
        for waiter in batch {
            try begin.execute()
            do {
                try waiter.run(db)
                errors.append(nil)
            } catch {
                errors.append(error)
                try undo.execute()
            }
            try release.execute()
        }
        return errors
    }
}
