import Foundation
import GRDB

/// What scripts keep in their state: `px.store` values (the `store` table,
/// JSON text) and `px.once` periods (`once`), with the holds running
/// handlers take on their keys (`KeptValues+Holds.swift`).
public struct KeptValues: Sendable {
    let pool: DatabasePool

    /// `px.store.get`: the JSON text kept under `key`, if any.
    public func value(forKey key: String) throws -> String? {
        try pool.read { db in try StoreRow.fetchOne(db, key: key)?.value }
    }

    /// `px.store.set`: keeps `json` under `key`; `nil` removes it.
    public func setValue(_ json: String?, forKey key: String) throws {
        try pool.write { db in try Self.setValue(db, json, forKey: key) }
    }

    /// Keeps or removes one `px.store` value (now, or with a handler's completion).
    static func setValue(_ db: Database, _ json: String?, forKey key: String) throws {
        if let json {
            try StoreRow(key: key, value: json).insert(db, onConflict: .replace)
        } else {
            _ = try StoreRow.deleteOne(db, key: key)
        }
    }

    /// `px.once(key, period)`: true the first time `key` is seen in a period
    /// that starts at that first true (docs/spec.md §4); false until it ends.
    public func once(_ key: String, period: TimeInterval, now: Date) throws -> Bool {
        try pool.write { db in
            if let until = try OnceRow.fetchOne(db, key: key)?.until, now < until { return false }
            try Self.recordOnce(db, key: key, first: now.timeIntervalSince1970, until: now.timeIntervalSince1970 + period)
            return true
        }
    }

    /// Whether `px.once(key)` is still inside its period (read only).
    package func onceActive(_ key: String, now: Date) throws -> Bool {
        try pool.read { db in try OnceRow.fetchOne(db, key: key).map { now < $0.until } ?? false }
    }

    /// Starts `key`'s period (for `px.once`, now or with a handler's completion).
    static func recordOnce(_ db: Database, key: String, first: Double, until: Double) throws {
        try OnceRow(key: key, firstAt: Date(timeIntervalSince1970: first), until: Date(timeIntervalSince1970: until)).insert(db, onConflict: .replace)
    }

    /// A handler's or scheduled run's `px.store` and `px.once` effects, committed with its end.
    static func apply(_ effects: HandlerEffects, _ db: Database) throws {
        for (key, json) in effects.stored { try setValue(db, json, forKey: key) }
        for (key, period) in effects.once { try recordOnce(db, key: key, first: period.first, until: period.until) }
    }
}
