import Foundation
import GRDB

extension StateStore {
    /// `px.store.get`: the JSON text kept under `key`, if any.
    public func value(forKey key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM store WHERE key = ?", arguments: [key]) }
    }

    /// `px.store.set`: keeps `json` under `key`; `nil` removes it.
    public func setValue(_ json: String?, forKey key: String) throws {
        try pool.write { db in try Self.setValue(db, json, forKey: key) }
    }

    /// Keeps or removes one `px.store` value (now, or with a handler's completion).
    package static func setValue(_ db: Database, _ json: String?, forKey key: String) throws {
        if let json {
            try db.execute(
                sql: "INSERT INTO store (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, json])
        } else {
            try db.execute(sql: "DELETE FROM store WHERE key = ?", arguments: [key])
        }
    }

    /// `px.once(key, period)`: true the first time `key` is seen in a period
    /// that starts at that first true (docs/spec.md §4); false until it ends.
    public func once(_ key: String, period: TimeInterval, now: Date) throws -> Bool {
        try pool.write { db in
            let now = now.timeIntervalSince1970
            if let until = try Double.fetchOne(db, sql: "SELECT until FROM once WHERE key = ?", arguments: [key]), now < until {
                return false
            }
            try Self.recordOnce(db, key: key, first: now, until: now + period)
            return true
        }
    }

    /// Starts `key`'s period (for `px.once`, now or with a handler's completion).
    package static func recordOnce(_ db: Database, key: String, first: Double, until: Double) throws {
        try db.execute(
            sql: """
                INSERT INTO once (key, first_at, until) VALUES (?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET first_at = excluded.first_at, until = excluded.until
                """,
            arguments: [key, first, until])
    }
}
