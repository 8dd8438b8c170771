import Foundation
import GRDB
@testable import PXRuntime
@testable import PXState
import Testing

/// A new state is built from every migration at once (`StateStore.buildNew`);
/// an old one is migrated step by step. Both must end with the same schema.
@Suite("The state's schema")
struct SchemaTests {
    /// Every table's columns, every index and trigger, and the migrations recorded.
    static func describe(_ db: Database) throws -> [String] {
        var lines: [String] = []
        for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") {
            for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") {
                lines.append("\(table).\(column["name"] as String) \(column["type"] as String) notnull=\(column["notnull"] as Int) default=\(column["dflt_value"] as String? ?? "-") pk=\(column["pk"] as Int)")
            }
        }
        for row in try Row.fetchAll(db, sql: "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name") {
            lines.append("\(row["type"] as String) \(row["name"] as String) on \(row["tbl_name"] as String)")
        }
        lines += try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier").map { "migration \($0)" }
        return lines
    }

    @Test("built at once and migrated step by step, a state has one schema")
    func sameSchema() throws {
        let built = try DatabaseQueue(), migrated = try DatabaseQueue()
        try built.writeWithoutTransaction { db in try StateStore.buildNew(db) }
        try StateStore.migrator.migrate(migrated)
        let a = try built.read(Self.describe), b = try migrated.read(Self.describe)
        #expect(a == b)
        #expect(a.contains("conversation_mark.retry_at REAL notnull=0 default=- pk=0"))
        // The migrator finds nothing left to do on a built state.
        #expect(try built.read { db in try StateStore.migrator.hasCompletedMigrations(db) })
    }

    @Test("every ledger state is one the event table's CHECK allows, and nothing else is")
    func ledgerStates() throws {
        let queue = try DatabaseQueue()
        try queue.writeWithoutTransaction { db in try StateStore.buildNew(db) }
        try queue.write { db in
            for (index, state) in LedgerState.allCases.enumerated() {
                try db.execute(
                    sql: "INSERT INTO event (message_id, conversation_id, sent_at, message_json, state, received_at) VALUES (?, 'c', 0, '{}', ?, 0)",
                    arguments: ["m\(index)", state.rawValue])
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO event (message_id, conversation_id, sent_at, message_json, state, received_at) VALUES ('x', 'c', 0, '{}', 'lost', 0)")
            }
        }
    }
}
