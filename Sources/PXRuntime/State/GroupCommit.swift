import GRDB
import Synchronization

/// Writes of the outbox, grouped: while one transaction commits, the writes
/// that arrive wait and then share the next one, each in its own savepoint
/// (one refused write does not undo the others). Each caller still returns
/// only once its write is committed, so durability is unchanged; what
/// changes is that concurrent sends share a commit instead of paying one each.
actor GroupCommit {
    /// One waiting write: `run` performs it inside the shared transaction
    /// and keeps its outcome; `finish` resumes the caller once the
    /// transaction committed (or failed).
    private final class Waiter: Sendable {
        let run: @Sendable (Database) -> Void
        let finish: @Sendable ((any Error)?) -> Void

        init(run: @escaping @Sendable (Database) -> Void, finish: @escaping @Sendable ((any Error)?) -> Void) {
            self.run = run
            self.finish = finish
        }
    }

    private let pool: DatabasePool
    private var waiting: [Waiter] = []
    private var committing = false

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = Mutex<Result<T, any Error>?>(nil)
            waiting.append(Waiter(
                run: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        outcome.withLock { $0 = value.map { .success($0) } }
                    } catch {
                        outcome.withLock { $0 = .failure(error) }
                    }
                },
                finish: { failure in
                    if let failure {
                        continuation.resume(throwing: failure)
                    } else {
                        continuation.resume(with: outcome.withLock { $0 } ?? .failure(StateError("a state write did not run")))
                    }
                }))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            do {
                try await pool.write { db in
                    for waiter in batch { waiter.run(db) }
                }
                for waiter in batch { waiter.finish(nil) }
            } catch {
                for waiter in batch { waiter.finish(error) }
            }
        }
        committing = false
    }
}
