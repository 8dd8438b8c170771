import Foundation
import GRDB

/// A row of one table of a state file: a GRDB record (one type per table, in this folder, each
/// with its `Columns`). The schema is `StateStore+Migrations.swift`; times are stored as seconds
/// since 1970 (REAL), as the first states wrote them, so they are read and written that way. Rows
/// are read through `Decodable` and written column by column (each record's `encode(to:)`).
protocol StateRecord: Codable, FetchableRecord, PersistableRecord, Sendable {}

extension StateRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
}
