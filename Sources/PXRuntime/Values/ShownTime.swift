import Foundation
import PXState

/// A time as every command and the dashboard show it to a person:
/// in the studio's zone, to the minute, with the day and the zone, the same
/// everywhere: `Sun 6 Dec 18:57 EST`, with the year when it is not this one's.
/// Machine output (`--json`) keeps ISO 8601 in UTC.
public enum ShownTime {
    public static func text(_ date: Date, in zone: TimeZone, now: Date? = nil) -> String {
        let fields = TimeFormat.Fields(date, zone)
        let sameYear = now.map { TimeFormat.Fields($0, zone).year == fields.year } ?? true
        let pattern = sameYear ? "%a %-d %b %H:%M %Z" : "%a %-d %b %Y %H:%M %Z"
        return (try? TimeFormat.format(date, pattern, timeZone: zone)) ?? ISOTime.format(date)
    }
}
