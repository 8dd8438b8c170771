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
extension StateStore {
    /// Takes `key` for `holder` unless another live holder has it.
    /// - Returns: true when `holder` holds it now (taken, or already its own).
    package func takeHold(_ key: String, holder: String, until deadline: Date) throws -> Bool {
        try pool.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT holder, pid, expires_at FROM key_hold WHERE key = ?", arguments: [key]) {
                let owner: String = row["holder"]
                if owner == holder { return true }
                if Self.holds(holder: owner, pid: row["pid"], expiresAt: row["expires_at"]) { return false }
            }
            try db.execute(
                sql: """
                    INSERT INTO key_hold (key, holder, pid, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, expires_at = excluded.expires_at
                    """,
                arguments: [key, holder, Int(getpid()), deadline.timeIntervalSince1970])
            return true
        }
    }

    /// Whether a running handler holds `key`.
    package func isHeld(_ key: String) throws -> Bool {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT holder, pid, expires_at FROM key_hold WHERE key = ?", arguments: [key]) else {
                return false
            }
            return Self.holds(holder: row["holder"], pid: row["pid"], expiresAt: row["expires_at"])
        }
    }

    /// Lets go of every key `holder` took (its handler failed or was stopped).
    package func releaseHolds(of holder: String) throws {
        try pool.write { db in try Self.releaseHolds(db, of: holder) }
    }

    package static func releaseHolds(_ db: Database, of holder: String) throws {
        try db.cachedStatement(sql: "DELETE FROM key_hold WHERE holder = ?").execute(arguments: [holder])
    }

    /// A hold holds while its process lives and its deadline (the handler's
    /// timeout, with a margin) has not passed. Both are this machine's: the
    /// holder is a process here, so its clock is the one to compare with.
    /// In this process, it holds while its run exists (`KeyHolders`).
    private static func holds(holder: String, pid: Int32, expiresAt: Double) -> Bool {
        guard Date().timeIntervalSince1970 < expiresAt else { return false }
        if pid == getpid() { return KeyHolders.isLive(holder) }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
