import Foundation
import PXRuntime

/// A scenario's times: `2026-06-01 10:00` or ISO 8601; without a zone, in the scenario's.
enum ScenarioTime {
    static func parse(_ text: String, zone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // "2026-06-01 10:00" is ISO 8601 with a space and without seconds: made whole, it parses as a wall time.
        var iso = trimmed.replacingOccurrences(of: " ", with: "T")
        if iso.count == 16, iso.dropFirst(10).first == "T" { iso += ":00" }
        return ISOTime.parse(iso, zone: zone)
    }

    /// `2026-06-01 10:00` in `zone` (what expectations compare `at` and `on` with).
    static func format(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }
}
