import Foundation
import GRDB

/// A schedule as the daemon last saw it.
public struct ScheduleRecord: Sendable, Hashable {
    public let id: String
    public let lastRun: Date?
    public let nextRun: Date?
    /// Why its last run failed (nil: it ran, or never ran).
    public let lastFailure: String?
}

/// The schedules of a state (the `schedule` table): when each ran, whether it
/// is done for good, when it runs next and why its last run failed.
public struct Schedules: Sendable {
    let pool: DatabasePool
    let writes: GroupCommit

    private typealias Columns = ScheduleRow.Columns

    /// Records a schedule's run with its effects; `failure` (the run raised, or its sends failed)
    /// is kept for `status` and journaled as `schedule failed`, named `name`. `done`: it is done for
    /// good (`px.at`). `triggered`: the schedule a `--trigger` ran (its own runs unchanged): its line
    /// in `status` says how this run went, so a fix tried with `--trigger` clears an earlier FAILED.
    package func recordRun(
        _ id: String?, named name: String, at: Date, done: Bool, effects: HandlerEffects?, failure: String?, triggered: String? = nil
    ) async throws {
        try await writes.write { db in
            if let effects { try KeptValues.apply(effects, db) }
            if let failure { try Journal.append(db, at: at, kind: .scheduleFailed, conversationID: nil, detail: "\(name): \(failure)") }
            if let triggered {
                try ScheduleRow.filter(key: triggered).updateAll(db, Columns.lastFailure.set(to: failure.map { "(run by --trigger) " + $0 }))
            }
            guard let id else { return }
            // Its next run, noted apart, is kept.
            _ = try ScheduleRow(id: id, lastRun: at, nextRun: nil, done: done, lastFailure: failure).upsertAndFetch(
                db, updating: .noColumnUnlessSpecified
            ) { excluded in
                [Columns.lastRun.set(to: excluded[Columns.lastRun]), Columns.done.set(to: excluded[Columns.done]),
                 Columns.lastFailure.set(to: excluded[Columns.lastFailure])]
            }
        }
    }

    /// Notes when a schedule runs next, for `status`; the first note is when it was first known (`now`).
    package func noteNextRun(_ id: String, at next: Date?, now: Date) async throws {
        try await writes.write { db in
            _ = try ScheduleRow(id: id, nextRun: next, done: false, firstSeen: now).upsertAndFetch(db, updating: .noColumnUnlessSpecified) {
                excluded in [Columns.nextRun.set(to: excluded[Columns.nextRun]), Columns.firstSeen.set(to: Columns.firstSeen ?? excluded[Columns.firstSeen])]
            }
        }
    }

    /// Schedules as the daemon last saw them: id, last run, next run.
    public func list() throws -> [ScheduleRecord] {
        try pool.read { db in
            try ScheduleRow.order(Columns.id).fetchAll(db).map {
                ScheduleRecord(id: $0.id, lastRun: $0.lastRun, nextRun: $0.nextRun, lastFailure: $0.lastFailure)
            }
        }
    }

    /// When each schedule last ran, whether it is done, and when a daemon first knew it.
    package func runs() throws -> [String: (lastRun: Date?, done: Bool, firstSeen: Date?)] {
        try pool.read { db in
            Dictionary(
                try ScheduleRow.fetchAll(db).map { ($0.id, (lastRun: $0.lastRun, done: $0.done, firstSeen: $0.firstSeen)) },
                uniquingKeysWith: { a, _ in a })
        }
    }
}
