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
    /// When `watch` last saw the studio's API behave in a way that can hide a message from the
    /// list (studio time, seconds): for a day after, it sweeps (docs/watch.md "Polite polling").
    case lastQuirk = "last_quirk"
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
    /// The studio not answering the daemon's polls: since when (studio time, seconds), a tab, and
    /// why (the error's first line); removed by the first poll that works.
    case studioOutage = "studio_outage"
}

/// The named values of a state (the `setting` table): where and how it runs,
/// whether sends are paused, the session's health, triggers asked for.
public struct Settings: Sendable {
    let pool: DatabasePool

    /// The value of `setting`, or nil when none was recorded.
    public func value(_ setting: StateSetting) throws -> String? {
        try pool.read { db in try Self.value(db, setting) }
    }

    /// Records `value` for `setting` (nil removes it).
    public func set(_ setting: StateSetting, _ value: String?) throws {
        try pool.write { db in try Self.set(db, setting, value) }
    }

    /// `set` on GRDB's writer thread: a lock held by another process suspends the caller
    /// instead of blocking its thread (the daemon's, every pass).
    public func write(_ setting: StateSetting, _ value: String?) async throws {
        try await pool.write { db in try Self.set(db, setting, value) }
    }

    package static func value(_ db: Database, _ setting: StateSetting) throws -> String? {
        try value(db, named: setting.rawValue)
    }

    package static func set(_ db: Database, _ setting: StateSetting, _ value: String?) throws {
        try set(db, named: setting.rawValue, value)
    }

    /// By name: the settings other jobs keep for themselves (pause, session, the outbox's fold).
    static func value(_ db: Database, named name: String) throws -> String? {
        // Read by every sender (the pause flag, every few milliseconds): a cached statement.
        let statement = try db.cachedStatement(
            literal: "SELECT \(SettingRow.Columns.value) FROM \(SettingRow.self) WHERE \(SettingRow.Columns.name) = \(name)")
        return try String.fetchOne(statement)
    }

    static func set(_ db: Database, named name: String, _ value: String?) throws {
        if let value {
            try SettingRow(name: name, value: value).insert(db, onConflict: .replace)
        } else {
            _ = try SettingRow.deleteOne(db, key: name)
        }
    }

    /// The studio's clock offset recorded by the last run, in seconds.
    public func studioOffset() throws -> Double? { try value(.studioOffset).flatMap(Double.init) }

    /// Whether sends on this state are paused (`pxscript pause`).
    public func isPaused() throws -> Bool { try pool.read { db in try Self.isPaused(db) } }

    static func isPaused(_ db: Database) throws -> Bool { try value(db, named: "paused") == "1" }

    /// Pauses or resumes every send on this state, from any process.
    public func setPaused(_ paused: Bool, at: Date) throws {
        try pool.write { db in
            try Self.set(db, named: "paused", paused ? "1" : "0")
            try Journal.append(db, at: at, kind: paused ? .paused : .resumed, conversationID: nil, detail: "")
        }
        Outbox.notePauseChange()
    }

    /// Watch's session health: why sends stopped (an expired session), or nil when fine.
    public func setSessionProblem(_ problem: String?) throws {
        try pool.write { db in try Self.set(db, named: "session", problem) }
    }

    public func sessionProblem() throws -> String? {
        try pool.read { db in try Self.value(db, named: "session") }
    }

    /// `pxscript watch SCRIPT --trigger NAME` while a daemon runs on the state: the request is
    /// written here, and the daemon runs the schedule within one poll.
    public func requestTrigger(_ name: String) throws {
        try pool.write { db in
            let names = Self.names(try Self.value(db, .triggers)) + [name]
            try Self.set(db, .triggers, String(decoding: try JSONEncoder().encode(names), as: UTF8.self))
        }
    }

    /// The triggers asked for since the last call, oldest first; they are cleared.
    package func takeTriggers() throws -> [String] {
        // A read every pass; a write only when there is something to take.
        guard try value(.triggers) != nil else { return [] }
        return try pool.write { db in
            let names = Self.names(try Self.value(db, .triggers))
            try Self.set(db, .triggers, nil)
            return names
        }
    }

    private static func names(_ json: String?) -> [String] {
        json.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }
}
