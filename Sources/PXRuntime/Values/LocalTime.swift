import Foundation
import PixiesetModels
import PXState

/// Wall-clock times in a zone, with the two cases daylight saving time
/// makes (docs/spec.md §6 "Schedules"): a local time that does not exist (spring
/// forward) happens at the next valid moment, the transition itself; one
/// that exists twice (fall back) happens once, at its first occurrence.
struct LocalTime: Hashable, Comparable, Sendable {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int

    static func < (a: LocalTime, b: LocalTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute) < (b.year, b.month, b.day, b.hour, b.minute)
    }

    /// Seconds since the epoch of this wall time read as if it were UTC.
    var naiveSeconds: Int {
        Int(CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))) * 86_400 + hour * 3600 + minute * 60
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// The wall time of `date` in `zone`.
    init(_ date: Date, in zone: TimeZone) {
        let local = Int(saturating: date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let seconds = local - days * 86_400
        let (year, month, day) = CivilDate.fromDays(Int64(days))
        self.init(year: Int(year), month: Int(month), day: Int(day), hour: seconds / 3600, minute: seconds % 3600 / 60)
    }

    /// The first instant whose wall time in `zone` is this one, or, when
    /// none is (skipped by a spring-forward), the instant of the jump.
    func instant(in zone: TimeZone) -> Date { Self.instant(wallSeconds: naiveSeconds, in: zone) }

    /// The first instant whose wall time in `zone` is `naive` (seconds since
    /// 1970 of the wall time read as UTC); for a wall time a spring-forward
    /// skipped, the instant of the jump.
    static func instant(wallSeconds naive: Int, in zone: TimeZone) -> Date {
        // The offsets in force a day either side bound every candidate.
        let offsets = Set([naive - 86_400, naive + 86_400, naive].map { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) })
        let candidates = offsets.map { naive - $0 }.filter { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) == naive - $0 }
        if let first = candidates.min() { return Date(timeIntervalSince1970: Double(first)) }
        // Skipped: the transition that skipped it.
        let before = Date(timeIntervalSince1970: Double(naive - (offsets.min() ?? 0) - 86_400 * 2))
        return zone.nextDaylightSavingTimeTransition(after: before) ?? Date(timeIntervalSince1970: Double(naive - (offsets.min() ?? 0)))
    }

    /// Days in this month.
    static func days(inMonth month: Int, year: Int) -> Int { Int(CivilDate.daysIn(month: Int64(month), year: Int64(year))) }

    /// 0 = Sunday … 6 = Saturday.
    var weekday: Int {
        let days = naiveSeconds / 86_400
        return ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
    }
}
