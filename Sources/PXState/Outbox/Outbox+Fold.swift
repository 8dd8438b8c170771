import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import Synchronization

/// Folding the log into the state file, in batches (decision 0007).
extension Outbox {
    package func scheduleFold() {
        let schedules = view.withLock { view in
            if view.foldScheduled { return false }
            view.foldScheduled = true
            return true
        }
        guard schedules else { return }
        Task {
            try? await Task.sleep(for: Self.foldDelay)
            view.withLock { $0.foldScheduled = false }
            do {
                try await flush()
            } catch {
                // Not written (the state locked, the disk full): the records stay in the log and
                // the fold is tried again, or the lease would stay held and other processes wait for ever.
                try? await Task.sleep(for: Self.foldRetry)
                if !view.withLock({ $0.closed }) { scheduleFold() }
            }
        }
    }

    /// What a fold writes: records appended to the log up to `end`.
    package struct Batch {
        package let records: [OutboxRecord]
        package let end: Int
        package let generation: String
    }

    /// Folds everything appended so far into the state file and returns
    /// once it is committed (then lets the lease go if idle).
    package func flush() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pool.asyncWriteWithoutTransaction { db in
                do {
                    try self.fold(db)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// On GRDB's writer thread, so folds, `close` and the other state
    /// writes take turns: the records appended so far, in one transaction
    /// with the log's marker; then the lease goes if nothing is left to do.
    package func fold(_ db: Database) throws {
        let batch = try view.withLock { view -> Batch? in
            guard view.held, let log = view.log else { return nil }
            if view.unfolded.isEmpty {
                releaseIfIdle(&view)
                return nil
            }
            // The marker must cover every record folded.
            try log.sync()
            defer { view.unfolded = [] }
            return Batch(records: view.unfolded, end: log.end, generation: log.generation)
        }
        guard let batch else { return }
        do {
            try db.inTransaction {
                try Self.apply(batch.records, db)
                try Self.mark(batch.generation, batch.end, db)
                return .commit
            }
            view.withLock { view in releaseIfIdle(&view) }
        } catch {
            // Still in the log: tried again with the next fold, or replayed by the next holder.
            view.withLock { view in view.unfolded = batch.records + view.unfolded }
            throw error
        }
    }

    /// For `close`: folds what is left and lets the lease go. Should the
    /// fold fail, the log stays for the next holder to replay.
    package func closeNow() {
        try? pool.writeWithoutTransaction { db in
            view.withLock { $0.closed = true }
            let folded = (try? fold(db)) != nil
            view.withLock { view in
                if folded { view.log?.discard() } else { view.log?.abandon() }
                lease.release()
                view = View(closed: true)
            }
        }
    }

    /// For tests: lets go of the lease and the log as a killed process
    /// would, folding nothing.
    package func dropAsIfKilled() {
        view.withLock { view in
            view.log?.abandon()
            lease.release()
            view = View(closed: true)
        }
    }

    /// Applies records to the state file. A send whose intent and outcome
    /// are in the same batch is written once: inserted as sent, or (when
    /// abandoned) not at all. Rows are written with `OR IGNORE` and
    /// conditions, so a record met twice changes nothing the second time.
    package static func apply(_ records: [OutboxRecord], _ db: Database) throws {
        var intents = Set<Int64>()
        var settled: [Int64: OutboxRecord] = [:]
        for record in records {
            switch record {
            case .intent(let entry): intents.insert(entry.id)
            case .sent(let id, _, _, _, _, _, _), .abandoned(let id, _, _, _, _): if intents.contains(id) { settled[id] = record }
            }
        }
        var counted: [String: Int] = [:]
        var inserted = Set<Int64>()
        for record in records {
            switch record {
            case .intent(let entry):
                var sent: SendTable.Sent?
                switch settled[entry.id] {
                case .abandoned: continue
                case .sent(_, _, _, let messageID, let json, let at, _): sent = SendTable.Sent(messageID: messageID, json: json, at: at)
                default: break
                }
                if try SendTable.insert(entry, sent: sent, db) {
                    counted[entry.day, default: 0] += 1
                    inserted.insert(entry.id)
                }
            case .sent(let id, let conversationID, let key, let messageID, let json, let at, let reconciled):
                if settled[id] == nil {
                    guard try SendTable.markSent(id, SendTable.Sent(messageID: messageID, json: json, at: at), db) else { continue }
                } else if !inserted.contains(id) {
                    continue
                }
                try Journal.append(
                    db, at: at, kind: reconciled ? .reconciled : .sent, conversationID: conversationID, detail: key.hasPrefix("h:") ? messageID : "\(messageID) (\(SendKeyText.readable(key)))")
            case .abandoned(let id, let conversationID, let day, let reason, let at):
                if settled[id] == nil, try SendTable.deletePending(id, db) { counted[day, default: 0] -= 1 }
                try Journal.append(db, at: at, kind: .failed, conversationID: conversationID, detail: reason)
            }
        }
        for (day, change) in counted where change != 0 { try SendTable.addToCount(day: day, change, db) }
    }

    /// Records in the state file how much of log `generation` it holds.
    package static func mark(_ generation: String, _ end: Int, _ db: Database) throws {
        try SendTable.setFoldMarker(generation: generation, end: end, db)
    }

    /// Folds what a dead holder's log has beyond what its folds committed.
    package static func replay(_ logPath: String, _ db: Database) throws {
        guard let log = try OutboxLog.leftover(at: logPath) else { return }
        let folded = try SendTable.foldMarker(db).flatMap { $0.generation == log.generation ? $0.end : nil } ?? 0
        let left = log.records.filter { $0.end > folded }
        guard let last = left.last else { return }
        try apply(left.map(\.record), db)
        try mark(log.generation, last.end, db)
    }
}
