import Foundation
import GRDB

/// A row of one table of a state file: a GRDB record (one type per table, in this folder, each
/// with its `Columns`). The schema is `StateStore+Migrations.swift`; times are stored as seconds
/// since 1970 (REAL), as the first states wrote them, so they are read and written that way. Rows
/// are read through `Decodable` and written column by column (each record's `encode(to:)`).
protocol StateRecord: Codable, FetchableRecord, PersistableRecord, Sendable {}

extension StateRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .custom(StoredTime.date) }
}

/// A time as a state stores it: seconds since 1970, read back within 1970–9999. A value far out
/// of that range (written by hand, or by a broken program) would trap the calendar arithmetic
/// that shows or schedules it; read this way, it is an odd time in a line, never a crash.
package enum StoredTime {
    /// 9999-12-31T23:59:59Z.
    static let latest = 253_402_300_799.0

    @Sendable static func date(_ value: DatabaseValue) -> Date? {
        Double.fromDatabaseValue(value).map(date(seconds:))
    }

    package static func date(seconds: Double) -> Date {
        Date(timeIntervalSince1970: seconds.isFinite ? min(max(seconds, 0), latest) : 0)
    }
}
