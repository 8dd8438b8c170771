import Foundation
import GRDB
import PixiesetKit
import PixiesetModels

/// Where each event's handling is: begun, completed with its effects,
/// failed (tried again, or parked), skipped; parked ones queued again.
extension Ledger {
    private typealias Events = EventRow.Columns

    private static func event(_ id: String) -> QueryInterfaceRequest<EventRow> { EventRow.filter(key: id) }

    /// Marks the events of one handler run (one message, or a debounced
    /// burst) as being handled; returns the run's attempt number (1 for the first).
    package func beginHandling(_ messageIDs: [String]) async throws -> Int {
        try await writes.write { db in
            var attempt = 1
            for id in messageIDs {
                try Self.event(id).updateAll(db, Events.state.set(to: LedgerState.handling.rawValue), Events.attempts += 1)
                attempt = max(attempt, try EventRow.fetchOne(db, key: id)?.attempts ?? 1)
            }
            return attempt
        }
    }

    /// Gives back the try `beginHandling` counted for each of `messageIDs` (a local fault met them);
    /// they stay open, to run again.
    package func refundAttempts(_ messageIDs: [String]) async throws {
        let open = [LedgerState.handling, .failed, .received].map(\.rawValue)
        try await writes.write { db in
            for id in messageIDs {
                try Self.event(id).filter(open.contains(Events.state)).updateAll(db, Events.attempts.set(to: SQL("MAX(\(Events.attempts) - 1, 0)")))
            }
        }
    }

    /// The handler completed: its `px.store` and `px.once` effects take
    /// effect with its events, in one transaction (docs/spec.md §4).
    package func completeEvents(_ messageIDs: [String], conversationID: String, effects: HandlerEffects, holder: String, at: Date) async throws {
        try await writes.write { db in
            try KeptValues.apply(effects, db)
            // Its keys are free again in the same commit that makes its effects visible.
            try KeptValues.releaseHolds(db, of: holder)
            for id in messageIDs {
                try Self.event(id).updateAll(
                    db, Events.state.set(to: LedgerState.done.rawValue), Events.reason.set(to: nil), Events.retryAt.set(to: nil))
            }
            try Journal.append(db, at: at, kind: .handled, conversationID: conversationID, detail: messageIDs.joined(separator: ", "))
        }
    }

    /// The handler failed: tried again after `retryAt`, or parked when `retryAt` is nil.
    /// - Parameter countAttempt: false when the handler was stopped by pause
    ///   or the send cap, which are not its fault and do not use up its tries.
    package func failEvents(
        _ messageIDs: [String], conversationID: String, reason: String, traceback: String, retryAt: Date?, countAttempt: Bool = true, at: Date
    ) async throws {
        try await writes.write { db in
            for id in messageIDs {
                try Self.event(id).updateAll(
                    db, Events.state.set(to: (retryAt == nil ? LedgerState.parked : .failed).rawValue), Events.reason.set(to: reason),
                    Events.traceback.set(to: traceback), Events.retryAt.set(to: retryAt?.timeIntervalSince1970),
                    Events.attempts -= countAttempt ? 0 : 1)
            }
            // Pause and the cap are journaled where they happen; a failing handler is journaled here.
            guard countAttempt else { return }
            // Relative: the journal's line has its own time, shown in the studio's zone.
            let next = retryAt.map { "tried again in \(DurationText.format(max(1, $0.timeIntervalSince(at).rounded())))" } ?? "parked"
            try Journal.append(
                db, at: at, kind: retryAt == nil ? .parked : .failed, conversationID: conversationID,
                detail: "\(messageIDs.joined(separator: ", ")): \(reason.prefix(200)) (\(next))")
        }
    }

    /// Events not handled, with why (too old, …), journaled.
    package func skipEvents(_ messageIDs: [String], conversationID: String, reason: String, detail: String, at: Date) async throws {
        try await writes.write { db in
            for id in messageIDs {
                try Self.event(id).updateAll(db, Events.state.set(to: LedgerState.skipped.rawValue), Events.reason.set(to: reason))
            }
            try Journal.append(db, at: at, kind: .skipped, conversationID: conversationID, detail: "\(messageIDs.joined(separator: ", ")): \(detail)")
        }
    }

    /// Events by state, newest first (for `status`).
    public func events(inState state: LedgerState, limit: Int) throws -> [(id: String, conversationID: String, reason: String?, traceback: String?)] {
        try pool.read { db in
            try EventRow.filter(Events.state == state.rawValue).order(Events.sentAt.desc).limit(limit).fetchAll(db)
                .map { (id: $0.messageID, conversationID: $0.conversationID, reason: $0.reason, traceback: $0.traceback) }
        }
    }

    /// Queues parked events again (`pxscript retry`, the dashboard's Retry): each is open with no
    /// tries counted, so the next poll hands it to the script through the normal ledger, exactly once
    /// (its earlier sends are keyed by the event, so one already made is skipped). `ids` nil: all.
    /// - Returns: the events queued, and the ids asked for that are not parked here.
    public func retryParked(_ ids: [String]?, at: Date) async throws -> (queued: [(id: String, conversationID: String)], notParked: [String]) {
        try await writes.write { db in
            let parked = try EventRow.filter(Events.state == LedgerState.parked.rawValue).order(Events.sentAt).fetchAll(db)
                .map { (id: $0.messageID, conversationID: $0.conversationID) }
            // A conversation's parked messages go together: a burst parks as one run, and its sends are
            // keyed by its first message, so queuing part of it would answer it twice.
            let conversations = Set(parked.filter { ids?.contains($0.id) ?? true }.map(\.conversationID))
            let chosen = parked.filter { conversations.contains($0.conversationID) }
            for event in chosen {
                try Self.event(event.id).updateAll(
                    db, Events.state.set(to: LedgerState.received.rawValue), Events.attempts.set(to: 0), Events.retryAt.set(to: nil),
                    Events.reason.set(to: nil), Events.traceback.set(to: nil), Events.retried.set(to: true))
                try Journal.append(db, at: at, kind: .retried, conversationID: event.conversationID, detail: "\(event.id): queued again")
            }
            let found = Set(chosen.map(\.id))
            return (chosen, (ids ?? []).filter { !found.contains($0) })
        }
    }

    /// How many events are parked (for `status`, the dashboard and the reload notice).
    public func parkedCount() throws -> Int {
        try pool.read { db in try EventRow.filter(Events.state == LedgerState.parked.rawValue).fetchCount(db) }
    }

    /// When clients wrote (the messages `watch` recorded), by conversation, since `since`.
    public func clientMessageTimes(since: Date) throws -> [String: [Date]] {
        try pool.read { db in
            var times: [String: [Date]] = [:]
            // Two columns of each row, not the messages: a year of events is read here.
            let rows = try EventRow.filter(Events.sentAt >= Int64(saturating: since.timeIntervalSince1970 * 1_000_000)).order(Events.sentAt)
                .select(Events.conversationID, Events.sentAt).asRequest(of: Row.self).fetchCursor(db)
            while let row = try rows.next() {
                let micros: Int64 = row[Events.sentAt]
                times[row[Events.conversationID], default: []].append(Date(timeIntervalSince1970: Double(micros) / 1_000_000))
            }
            return times
        }
    }
}
