import Foundation
import GRDB

/// Named values of a state that are not tables of their own (the `setting`
/// table): what the state remembers about where and how it runs.
public enum StateSetting: String, Sendable {
    /// Seconds the studio's clock was ahead of this machine's at the last
    /// run (negative when behind), for `status` and `doctor`.
    case studioOffset = "studio_offset"
    /// The time zone the state counts its days in (docs/spec.md §5 send cap):
    /// recorded by the first run that writes it.
    case zone
    /// When `watch` last swept every recently active conversation (studio time, seconds).
    case lastSweep = "last_sweep"
    /// Schedules `pxscript watch --trigger` asked the running daemon to run once (a JSON list of names).
    case triggers
    /// The schedule names (`--trigger` names) of the script the running daemon loaded last (a JSON
    /// list): `watch --trigger` checks a name against them before asking.
    case scheduleNames = "schedule_names"
    /// The send cap (`--max-sends`, `max_sends`) of the last run or daemon on this state: the one
    /// `status` and the dashboard count today's sends against.
    case capInForce = "max_sends"
    /// When the last "approvals waiting" notification was posted (studio time, seconds).
    case approvalDigest = "approval_digest"
    /// The watch daemon's last sign of life (studio time, seconds): written every pass.
    case heartbeat
    /// When the watch daemon last stopped on purpose (studio time, seconds); removed while one runs.
    case stoppedAt = "stopped_at"
}

extension StateStore {
    /// The value of `setting`, or nil when none was recorded.
    public func setting(_ setting: StateSetting) throws -> String? {
        try pool.read { db in try Self.setting(db, setting) }
    }

    /// Records `value` for `setting` (nil removes it).
    public func setSetting(_ setting: StateSetting, _ value: String?) throws {
        try pool.write { db in try Self.setSetting(db, setting, value) }
    }

    /// `setSetting` on GRDB's writer thread: a lock held by another process suspends the caller
    /// instead of blocking its thread (the daemon's, every pass).
    public func writeSetting(_ setting: StateSetting, _ value: String?) async throws {
        try await pool.write { db in try Self.setSetting(db, setting, value) }
    }

    package static func setting(_ db: Database, _ setting: StateSetting) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [setting.rawValue])
    }

    package static func setSetting(_ db: Database, _ setting: StateSetting, _ value: String?) throws {
        if let value {
            try db.execute(
                sql: "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                arguments: [setting.rawValue, value])
        } else {
            try db.execute(sql: "DELETE FROM setting WHERE name = ?", arguments: [setting.rawValue])
        }
    }

    /// The studio's clock offset recorded by the last run, in seconds.
    public func studioOffset() throws -> Double? { try setting(.studioOffset).flatMap(Double.init) }
}
