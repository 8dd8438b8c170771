import Foundation
import GRDB

/// Keys held by running handlers (decision 0010): a `px.once` key or a
/// `px.store` key a handler has touched is its own until it completes (its
/// effects committed) or fails (its effects dropped); any other handler or
/// process on the state that touches the key waits for it. Without this,
/// two handlers running at once (two conversations of one client) would
/// both see a `once` free and both reply.
///
/// A hold names its holder (one handler run) and process; a hold whose
/// process is gone, or older than its deadline, no longer holds.
extension KeptValues {
    /// Takes `key` for `holder` unless another live holder has it.
    /// - Returns: true when `holder` holds it now (taken, or already its own).
    package func takeHold(_ key: String, holder: String, until deadline: Date) throws -> Bool {
        try pool.write { db in
            if let hold = try KeyHoldRow.fetchOne(db, key: key) {
                if hold.holder == holder { return true }
                if Self.holds(hold) { return false }
            }
            try KeyHoldRow(key: key, holder: holder, pid: getpid(), expiresAt: deadline).insert(db, onConflict: .replace)
            return true
        }
    }

    /// Whether a running handler holds `key`.
    package func isHeld(_ key: String) throws -> Bool {
        try pool.read { db in
            try KeyHoldRow.fetchOne(db, key: key).map(Self.holds) ?? false
        }
    }

    /// Lets go of every key `holder` took (its handler failed or was stopped).
    package func releaseHolds(of holder: String) throws {
        try pool.write { db in try Self.releaseHolds(db, of: holder) }
    }

    static func releaseHolds(_ db: Database, of holder: String) throws {
        try KeyHoldRow.filter(KeyHoldRow.Columns.holder == holder).deleteAll(db)
    }

    /// A hold holds while its process lives and its deadline (the handler's
    /// timeout, with a margin) has not passed. Both are this machine's: the
    /// holder is a process here, so its clock is the one to compare with.
    /// In this process, it holds while its run exists (`KeyHolders`).
    private static func holds(_ hold: KeyHoldRow) -> Bool {
        guard Date() < hold.expiresAt else { return false }
        if hold.pid == getpid() { return KeyHolders.isLive(hold.holder) }
        return kill(hold.pid, 0) == 0 || errno == EPERM
    }
}
