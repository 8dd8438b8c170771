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
                // A run that worked leaves its trace too (one that failed is journaled above).
                if failure == nil { try Journal.append(db, at: at, kind: .scheduleTriggered, conversationID: nil, detail: "\(name): ran once (--trigger)") }
            }
            guard let id else { return }
            // Its next run and when it was first known, noted apart, are kept.
            var row = try ScheduleRow.fetchOne(db, key: id) ?? ScheduleRow(id: id, done: false)
            row.lastRun = at
            row.done = done
            row.lastFailure = failure
            try row.save(db)
        }
    }

    /// A run the studio's trouble failed: journaled and shown as the schedule's failure, with its effects
    /// dropped and its last run unchanged, so it stays due (its sends keyed by the same due time) and is
    /// tried again at `retryAt`.
    /// - Parameter journal: false for a try of a trouble already journaled (only its failure is kept).
    package func recordTroubledRun(_ id: String, named name: String, at: Date, failure: String, retryAt: Date, journal: Bool) async throws {
        try await writes.write { db in
            let wait = DurationText.format(max(1, retryAt.timeIntervalSince(at).rounded()))
            let failure = "\(failure) (the studio's trouble: tried again in \(wait))"
            if journal { try Journal.append(db, at: at, kind: .scheduleFailed, conversationID: nil, detail: "\(name): \(failure)") }
            var row = try ScheduleRow.fetchOne(db, key: id) ?? ScheduleRow(id: id, done: false)
            row.lastFailure = failure
            try row.save(db)
        }
    }

    /// Notes when a schedule runs next, for `status`; the first note also records when a daemon
    /// first knew it (`firstSeen`: the daemon's start).
    package func noteNextRun(_ id: String, at next: Date?, firstSeen: Date) async throws {
        try await writes.write { db in
            var row = try ScheduleRow.fetchOne(db, key: id) ?? ScheduleRow(id: id, done: false)
            row.nextRun = next
            row.firstSeen = row.firstSeen ?? firstSeen
            try row.save(db)
        }
    }

    /// Forgets when the schedules other than `ids` were first known: a schedule removed from the
    /// script and added back later counts from then, not from its first life.
    package func forgetFirstSeen(except ids: [String]) async throws {
        try await writes.write { db in
            _ = try ScheduleRow.filter(!ids.contains(Columns.id) && Columns.firstSeen != nil).updateAll(db, Columns.firstSeen.set(to: nil))
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

    /// When each schedule last ran, whether it is done, when it was noted to run next, and when a
    /// daemon first knew it.
    package func runs() throws -> [String: (lastRun: Date?, done: Bool, nextRun: Date?, firstSeen: Date?)] {
        try pool.read { db in
            Dictionary(
                try ScheduleRow.fetchAll(db).map { ($0.id, (lastRun: $0.lastRun, done: $0.done, nextRun: $0.nextRun, firstSeen: $0.firstSeen)) },
                uniquingKeysWith: { a, _ in a })
        }
    }
}
