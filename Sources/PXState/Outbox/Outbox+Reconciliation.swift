import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import Synchronization

/// Pending sends claimed for reconciliation (docs/spec.md §6).
extension Outbox {
    /// Takes the lease and returns the pending sends in the file, which no
    /// live process is making any more: a holder reconciles before it lets
    /// go. Each is in flight until `sent` or `abandon` settles it.
    package func claimPending() async throws -> [OutboxEntry] {
        // Nothing to claim and nothing to replay (no pending row, no log a dead holder left, nothing
        // this process left pending): the lease, a log file and a fold are not worth taking.
        // Every run starts here, so this is most runs' start-up.
        let idle = view.withLock { !$0.held && $0.leftPending.isEmpty }
        if idle, !FileManager.default.fileExists(atPath: logPath), try filedPendingSends().isEmpty { return [] }
        try await acquire()
        let pending = try filedPendingSends()
        let claimed = view.withLock { view -> [OutboxEntry] in
            let mine = Set(view.sends.values.map(\.id))
            // Others' pending sends, and this process's own left pending (a daemon checks them between
            // cycles): those still unsettled in this lease, or still pending in the file after a new lease.
            let unsettled = Set(view.sends.values.filter { $0.sent == nil && !$0.abandoned }.map(\.id))
            var byID = Dictionary(pending.filter { !mine.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let filed = Set(pending.map(\.id))
            for entry in view.leftPending.values where unsettled.contains(entry.id) || filed.contains(entry.id) { byID[entry.id] = entry }
            view.leftPending = [:]
            let claimed = byID.values.sorted { $0.id < $1.id }
            for entry in claimed {
                view.sends[SendKey(conversationID: entry.intent.conversationID, key: entry.key)] = Held(id: entry.id)
            }
            view.inFlight += claimed.count
            return claimed
        }
        scheduleFold()
        return claimed
    }

    package func filedPendingSends() throws -> [OutboxEntry] {
        try pool.read { db in try SendTable.pending(db) }
    }
}
