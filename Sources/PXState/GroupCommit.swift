import GRDB
import Synchronization

/// Writes of the watch ledger (events, marks, schedules), grouped into
/// shared commits. Sends have their own path (`Outbox`, decision 0007).
///
/// Writers queue their write and wait. The first write to find the queue
/// idle lets the writes ready at the same moment on its thread get in line
/// (one `Task.yield`), then starts a drain on GRDB's writer thread. The
/// drain commits everything queued in one transaction (one refused write
/// does not undo the others: see `commit`), resumes those writers, and
/// keeps committing until nothing waits. Writes that arrive while a commit
/// runs (or while the drain is on its way to the writer thread) go into the
/// next one, and the commits follow one another on the writer thread
/// without returning to the writers' thread in between (decisions 0005,
/// 0006). Writes keep their order.
package final class GroupCommit: Sendable {
    /// One queued write.
    private struct Waiter: Sendable {
        /// Performs the write inside the shared transaction; throws its error.
        package let run: @Sendable (Database) throws -> Void
        /// Hears how it ended: nil once committed, else its error or the transaction's.
        package let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        package var waiting: [Waiter] = []
        /// A drain is running or on its way to the writer thread.
        package var draining = false
    }

    private let pool: DatabasePool
    private let queue = Mutex(Queue())

    package init(pool: DatabasePool) { self.pool = pool }

    /// Performs `body` in a transaction shared with the writes queued
    /// before it; returns once that transaction is committed.
    package func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value = Mutex<T?>(nil)
        // A write that would start a drain first lets the writes that are
        // ready at the same moment on this thread (other sends whose answers
        // came in together) get in line, so they share its commit.
        if !queue.withLock({ $0.draining }) { await Task.yield() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue(Waiter(
                run: { db in
                    let result = try body(db)
                    value.withLock { $0 = result }
                },
                finish: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                }))
        }
        guard let result = value.withLock({ $0 }) else { throw StateError.failed("a state write did not run") }
        return result
    }

    /// Commits every queued write and returns once they are on disk.
    package func flush() async throws {
        try await write { _ in }
    }

    /// `flush`, blocking the calling thread (for `close`): a drain already
    /// under way runs first, as the writer thread takes one job at a time.
    package func flushNow() {
        let pending = queue.withLock { !$0.waiting.isEmpty || $0.draining }
        if pending { try? pool.writeWithoutTransaction { db in drain(db) } }
    }

    private func enqueue(_ waiter: Waiter) {
        let starts = queue.withLock { queue in
            queue.waiting.append(waiter)
            return Self.startDraining(&queue)
        }
        if starts { startDrain() }
    }

    private static func startDraining(_ queue: inout Queue) -> Bool {
        if queue.draining { return false }
        queue.draining = true
        return true
    }

    private func startDrain() {
        pool.asyncWriteWithoutTransaction { db in self.drain(db) }
    }

    /// On the writer thread: one transaction per batch until nothing waits.
    private func drain(_ db: Database) {
        while let batch = nextBatch() {
            let outcome = Self.commit(batch, in: db)
            for (index, waiter) in batch.enumerated() {
                switch outcome {
                case .success(let errors): waiter.finish(errors[index])
                case .failure(let error): waiter.finish(error)
                }
            }
        }
    }

    /// What waits, or nil (and the drain over) when nothing does.
    private func nextBatch() -> [Waiter]? {
        queue.withLock { queue in
            if queue.waiting.isEmpty {
                queue.draining = false
                return nil
            }
            defer { queue.waiting = [] }
            return queue.waiting
        }
    }

    /// One transaction for `batch`: each write's error, or the transaction's.
    ///
    /// Writes are almost never refused, so the batch first runs straight,
    /// with no savepoint per write. A write that throws undoes that whole
    /// attempt; the batch then runs again with a savepoint around each
    /// write, so the refused one is undone alone. (Every write is a pure
    /// function of the database, so running it twice is safe.)
    private static func commit(_ batch: [Waiter], in db: Database) -> Result<[(any Error)?], any Error> {
        let straight = Result {
            try db.inTransaction {
                for waiter in batch { try waiter.run(db) }
                return .commit
            }
        }
        switch straight {
        case .success: return .success(Array(repeating: nil, count: batch.count))
        case .failure(let error) where batch.count == 1: return .failure(error)
        case .failure: break
        }
        return Result {
            var errors: [(any Error)?] = []
            try db.inTransaction {
                errors = try eachInSavepoint(batch, db)
                return .commit
            }
            return errors
        }
    }

    /// Runs `batch` in the open transaction, each write in a savepoint; returns each write's error.
    private static func eachInSavepoint(_ batch: [Waiter], _ db: Database) throws -> [(any Error)?] {
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
