import Foundation
import PixiesetModels

/// ISO 8601 instants as the API and scripts write them.
public enum ISOTime {
    /// `2025-08-07T10:30:00.000000Z`, `2025-08-07T10:30:00+02:00`, `2025-08-07T10:30:00Z`.
    public static func parse(_ text: String) -> Date? {
        guard let timestamp = Timestamp(parsing: text) else { return nil }
        return Date(timeIntervalSince1970: timestamp.secondsSince1970)
    }

    /// The API's form: six fraction digits, `Z`.
    public static func format(_ date: Date) -> String {
        Timestamp(microseconds: Int64((date.timeIntervalSince1970 * 1_000_000).rounded())).text
    }
}
