import Foundation
import PixiesetModels
import PXState

/// ISO 8601 instants as the API and scripts write them.
public enum ISOTime {
    /// `2025-08-07T10:30:00.000000Z`, `2025-08-07T10:30:00+02:00`, `2025-08-07T10:30:00Z`.
    public static func parse(_ text: String) -> Date? {
        guard let timestamp = Timestamp(parsing: text) else { return nil }
        return Date(timeIntervalSince1970: timestamp.secondsSince1970)
    }

    /// A script's time: one that names its zone (`Z`, `+05:30`) is that
    /// instant; one that names none (`2026-11-20T09:00:00`, `2026-11-20`)
    /// is a wall time in `zone`, the script's (docs/spec.md §4: "a time without a
    /// zone means the script's zone, everywhere"). A wall time skipped by a
    /// spring-forward is the instant of the jump; one that happens twice is
    /// its first occurrence (as schedules read them).
    public static func parse(_ text: String, zone: TimeZone) -> Date? {
        guard let parts = Timestamp.parseParts(text) else { return nil }
        if let offset = parts.offsetSeconds {
            return Date(timeIntervalSince1970: Double(parts.wallMicroseconds - offset * 1_000_000) / 1_000_000)
        }
        let (seconds, fraction) = (parts.wallMicroseconds / 1_000_000, parts.wallMicroseconds % 1_000_000)
        let whole = seconds - (fraction < 0 ? 1 : 0)
        let micros = fraction < 0 ? fraction + 1_000_000 : fraction
        guard let wall = Int(exactly: whole) else { return nil }
        return LocalTime.instant(wallSeconds: wall, in: zone).addingTimeInterval(Double(micros) / 1_000_000)
    }

    /// The API's form: six fraction digits, `Z`.
    public static func format(_ date: Date) -> String {
        Timestamp(date).text
    }
}
