import Foundation
import GRDB
@testable import PXState
import Testing

/// Every table of a state is read and written through one record type (`PXState/Records/`),
/// whose coding keys are the table's columns, exactly: a migration that adds a column without
/// its record, or a record that names a column the schema lacks, fails here.
@Suite("state tables as records")
struct StateRecordTests {
    static let records: [(table: String, columns: [String])] = [
        (SettingRow.databaseTableName, SettingRow.CodingKeys.allCases.map(\.rawValue)),
        (SendRow.databaseTableName, SendRow.CodingKeys.allCases.map(\.rawValue)),
        (StoreRow.databaseTableName, StoreRow.CodingKeys.allCases.map(\.rawValue)),
        (OnceRow.databaseTableName, OnceRow.CodingKeys.allCases.map(\.rawValue)),
        (JournalRow.databaseTableName, JournalRow.CodingKeys.allCases.map(\.rawValue)),
        (DailySendsRow.databaseTableName, DailySendsRow.CodingKeys.allCases.map(\.rawValue)),
        (WatermarkRow.databaseTableName, WatermarkRow.CodingKeys.allCases.map(\.rawValue)),
        (ConversationMarkRow.databaseTableName, ConversationMarkRow.CodingKeys.allCases.map(\.rawValue)),
        (EventRow.databaseTableName, EventRow.CodingKeys.allCases.map(\.rawValue)),
        (ScheduleRow.databaseTableName, ScheduleRow.CodingKeys.allCases.map(\.rawValue)),
        (KeyHoldRow.databaseTableName, KeyHoldRow.CodingKeys.allCases.map(\.rawValue)),
        (ApprovalRow.databaseTableName, ApprovalRow.CodingKeys.allCases.map(\.rawValue)),
        (NoticeRow.databaseTableName, NoticeRow.CodingKeys.allCases.map(\.rawValue)),
        (NoticeDeliveryRow.databaseTableName, NoticeDeliveryRow.CodingKeys.allCases.map(\.rawValue)),
        (NoticeConditionRow.databaseTableName, NoticeConditionRow.CodingKeys.allCases.map(\.rawValue)),
        (SendOriginRow.databaseTableName, SendOriginRow.CodingKeys.allCases.map(\.rawValue)),
        (ConversationNameRow.databaseTableName, ConversationNameRow.CodingKeys.allCases.map(\.rawValue)),
    ]

    @Test("each table of a new state has one record, whose coding keys are its columns")
    func everyTableARecord() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxrecords-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try StateStore(path: folder.appendingPathComponent("s.sqlite").path)
        defer { try? store.close() }
        let schema = try store.pool.read { db in
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
            return try Dictionary(uniqueKeysWithValues: tables.map { ($0, Set(try db.columns(in: $0).map(\.name))) })
        }
        let recorded = Dictionary(Self.records.map { ($0.table, Set($0.columns)) }, uniquingKeysWith: { a, _ in a })
        #expect(Self.records.count == recorded.count, "two records of one table")
        #expect(Set(schema.keys) == Set(recorded.keys))
        for (table, columns) in schema { #expect(recorded[table] == columns, "\(table)") }
    }

    @Test("the jobs of the state write no SQL of their own: only the schema, PRAGMAs and savepoints are text")
    func noSQLInJobs() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PXState")
        // The schema (migrations, the record of automated messages), opening a file (PRAGMAs) and group commit's savepoints.
        let allowed = ["StateStore+Migrations.swift", "StateStore.swift", "AutomatedMessages.swift", "GroupCommit.swift"]
        var found: [String] = []
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)! where url.pathExtension == "swift" {
            guard !allowed.contains(url.lastPathComponent) else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            if text.contains("sql:") || text.range(of: #"\bRow\.fetch"#, options: .regularExpression) != nil || text.contains("row[\"") { found.append(url.lastPathComponent) }
        }
        #expect(found.isEmpty, "\(found)")
    }
}
