import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import PXRuntime
@testable import PXState
import Synchronization
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

    @Test("the jobs of the state write no SQL text of their own: statements name the records' tables and columns; only the schema, PRAGMAs and savepoints are text")
    func noSQLInJobs() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PXState")
        // The schema (migrations, the record of automated messages), opening a file (PRAGMAs) and group commit's savepoints.
        let allowed = ["StateStore+Migrations.swift", "StateStore.swift", "AutomatedMessages.swift", "GroupCommit.swift"]
        var found: [String] = []
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)! where url.pathExtension == "swift" {
            guard !allowed.contains(url.lastPathComponent) else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            // Raw SQL (`sql:`) or a column by its name in a string (`row["…"]`): a cached statement in a hot
            // path is written with GRDB's interpolation of a record's table and `Columns` instead.
            if text.contains("sql:") || text.contains("row[\"") { found.append(url.lastPathComponent) }
        }
        #expect(found.isEmpty, "\(found)")
    }
}

/// The state file works on every SQLite pxscript may be linked with (3.24 on): no statement uses
/// `RETURNING` or an upsert without its conflict target, which came with SQLite 3.35 (Debian 11,
/// Ubuntu 20.04 and RHEL 9 ship older ones). GRDB's `upsert` writes both, so the jobs never call it.
@Suite("state SQL on older SQLite")
struct StateSQLCompatibilityTests {
    @Test("every write of every job: no RETURNING, no ON CONFLICT DO UPDATE without a target")
    func noNewerSQL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxcompat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try StateStore(path: folder.appendingPathComponent("s.sqlite").path)
        defer { try? store.close() }
        let seen = Mutex<[String]>([])
        try await store.pool.writeWithoutTransaction { db in db.trace { event in seen.withLock { $0.append("\(event)") } } }
        let now = Date(timeIntervalSince1970: 1_772_355_600)
        try store.settings.set(.zone, "UTC")
        try store.settings.set(.zone, "Europe/Paris")
        try store.settings.setPaused(true, at: now)
        try store.settings.setPaused(false, at: now)
        try store.settings.requestTrigger("digest")
        _ = try store.settings.takeTriggers()
        try store.kept.setValue("1", forKey: "a")
        try store.kept.setValue("2", forKey: "a")
        _ = try store.kept.once("k", period: 60, now: now)
        _ = try store.kept.once("k", period: 60, now: now.addingTimeInterval(120))
        _ = try store.kept.takeHold("h", holder: "run-1", until: now.addingTimeInterval(3_600))
        _ = try store.kept.takeHold("h", holder: "run-2", until: now.addingTimeInterval(3_600))
        let message = Message(
            id: "msg_AAAAAAAAAAAA", conversationID: "conv_AAAAAAAAAAAA", content: "Hi", sentAt: Timestamp(now), senderType: .client, senderID: nil,
            readAt: nil, attachments: [])
        for watermark in [Int64(10), 5] {
            try store.ledger.record(
                PollRecord(watermark: watermark, marks: ["conv_AAAAAAAAAAAA": ConversationMark(time: watermark)], events: [message],
                           names: ["conv_AAAAAAAAAAAA": "Ada \(watermark)"]), at: now)
        }
        try await store.ledger.noteClientNames(["conv_AAAAAAAAAAAA": "Ada"])
        try await store.schedules.noteNextRun("every:1h#1", at: now, firstSeen: now)
        try await store.schedules.recordRun("every:1h#1", named: "every 1h", at: now, done: false, effects: nil, failure: nil)
        try await store.schedules.noteNextRun("every:1h#1", at: now.addingTimeInterval(3_600), firstSeen: now)
        let intent = SendIntent(conversationID: "conv_AAAAAAAAAAAA", content: "Hello", attachmentIDs: [], attachmentNames: [])
        for key in ["k:1", "k:2"] {
            guard case .proceed(let entry) = try await store.sends.reserve(intent, key: key, explicitKey: true, now: now, day: "2026-03-01", cap: 10)
            else { Issue.record("not reserved"); return }
            let sent = Message(
                id: "msg_SENT\(key.suffix(1))AAAAAAA", conversationID: "conv_AAAAAAAAAAAA", content: "Hello", sentAt: Timestamp(now),
                senderType: .photographer, senderID: nil, readAt: nil, attachments: [])
            try await store.sends.markSent(entry, message: sent, at: now, reconciled: false)
        }
        try await store.flush()
        let statements = seen.withLock { $0 }
        #expect(statements.count > 20, "the trace saw the writes")
        let newer = statements.filter {
            $0.uppercased().contains("RETURNING") || $0.uppercased().range(of: #"ON CONFLICT\s+DO\s+UPDATE"#, options: .regularExpression) != nil
        }
        #expect(newer.isEmpty, "\(newer)")
        #expect(try store.ledger.watermark() == 10, "the watermark never goes back")
        // Every time is stored as seconds since 1970 (REAL), whichever way its record writes it.
        let kinds = try await store.pool.read { db in
            try ["SELECT typeof(at) FROM journal", "SELECT typeof(attempted_at) FROM send", "SELECT typeof(sent_at) FROM send",
                 "SELECT typeof(received_at) FROM event", "SELECT typeof(first_at) FROM once", "SELECT typeof(expires_at) FROM key_hold",
                 "SELECT typeof(last_run) FROM schedule", "SELECT typeof(first_seen) FROM schedule"].map { Set(try String.fetchAll(db, sql: $0)) }
        }
        #expect(kinds.allSatisfy { $0 == ["real"] }, "\(kinds)")
        #expect(try store.sends.sendCount(day: "2026-03-01") == 2)
    }
}

/// Times a broken or hand-edited state holds far out of range are read back within 1970–9999
/// (`StoredTime`): shown oddly, never a trap in the calendar arithmetic.
@Suite("hostile stored times")
struct HostileStoredTimeTests {
    @Test("status (text and JSON) and approval expiry read times of ±1e300, NaN and Int64.min without trapping")
    func outOfRange() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxhostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("s.sqlite").path
        let store = try StateStore(path: path)
        defer { try? store.close() }
        let now = Date(timeIntervalSince1970: 1_772_355_600)
        try store.settings.setPaused(false, at: now)
        _ = try await store.approvals.request(Approval(
            id: "apr_AAAAAAAAAAAA", conversationID: "conv_AAAAAAAAAAAA", clientName: "Ada", content: "Hi", edited: nil, attachments: [],
            key: "k:a", script: "a.lua", position: "a.lua:1", why: "approve = true", latestMessageID: nil, state: .pending, createdAt: now,
            expiresAt: now.addingTimeInterval(3_600), decidedAt: nil, detail: nil, messageID: nil))
        try await store.schedules.noteNextRun("every:1h#1", at: now, firstSeen: now)
        try await store.flush()
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE journal SET at = -1e300")
            try db.execute(sql: "UPDATE approval SET expires_at = -1e300, created_at = 1e300")
            try db.execute(sql: "UPDATE schedule SET last_run = 1e300, next_run = -1e300")
            try db.execute(sql: "INSERT INTO watermark (name, microseconds) VALUES ('global', -9223372036854775808)")
        }
        let status = try store.status(now: now, timeZone: TimeZone(identifier: "UTC")!, journalLimit: 10)
        #expect(!status.text(cap: 200, path: path).isEmpty)
        #expect(try !status.json(cap: 200, path: path).isEmpty)
        try await store.approvals.expire(at: now)
        #expect(try store.approvals.find("apr_AAAAAAAAAAAA")?.state == .expired)
    }
}
