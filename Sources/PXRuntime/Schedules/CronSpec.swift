import Foundation
import PXState

/// `px.cron("0 9 * * 1-5", fn)` (docs/spec.md §4, §6): five fields — minute, hour,
/// day of month, month, day of week — each `*`, a number, a range `a-b`, a
/// step `*/n` or `a-b/n`, or a list of these; months and days may be named
/// (`jan`, `mon-fri`); day of week 0 and 7 are Sunday. When both the day of
/// month and the day of week are restricted, either may match (as in cron).
public struct CronSpec: Sendable, Hashable {
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let daysRestricted: Bool, weekdaysRestricted: Bool
    let text: String

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(parsing text: String) throws {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw Problem(description: "'\(text)' has \(fields.count) field\(fields.count == 1 ? "" : "s"); cron wants 5: minute hour day month weekday (like \"0 9 * * 1-5\")")
        }
        minutes = try Self.field(fields[0], "minute", 0...59, names: [])
        hours = try Self.field(fields[1], "hour", 0...23, names: [])
        days = try Self.field(fields[2], "day of month", 1...31, names: [])
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, nameBase: 1)
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7, names: Self.dayNames).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
        self.text = text
    }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws -> Set<Int> {
        let article = name == "hour" ? "an" : "a"
        func value(_ part: Substring) throws -> Int {
            if let number = Int(part), range.contains(number) { return number }
            if let index = names.firstIndex(of: String(part)) { return index + nameBase }
            throw Problem(description: "'\(part)' is not \(article) \(name) (\(range.lowerBound)-\(range.upperBound)\(names.isEmpty ? "" : " or a name like \(names[0])"))")
        }
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !pieces[0].isEmpty else { throw Problem(description: "'\(item)' is not \(article) \(name) field") }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n > 0 else { throw Problem(description: "'\(pieces[1])' is not a step (a whole number above 0)") }
                step = n
            }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = range
            } else {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw Problem(description: "'\(pieces[0])' is not a range like 1-5") }
                let low = try value(ends[0]), high = ends.count == 2 ? try value(ends[1]) : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw Problem(description: "'\(pieces[0])' runs backwards") }
                bounds = low...high
            }
            result.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return result
    }

    private func matches(day local: LocalTime) -> Bool {
        guard months.contains(local.month) else { return false }
        let dayOK = days.contains(local.day), weekdayOK = weekdays.contains(local.weekday)
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return dayOK || weekdayOK
        case (true, false): return dayOK
        case (false, true): return weekdayOK
        case (false, false): return true
        }
    }

    /// The first firing strictly after `date`, in `zone` (DST as `LocalTime.instant`).
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        let start = LocalTime(date, in: zone)
        var year = start.year, month = start.month, day = start.day
        // Eight years bound every spec that can fire at all (Feb 29 on a given weekday included).
        for _ in 0..<(366 * 8) {
            let today = LocalTime(year: year, month: month, day: day, hour: 0, minute: 0)
            if matches(day: today) {
                for hour in hours.sorted() {
                    for minute in minutes.sorted() {
                        let local = LocalTime(year: year, month: month, day: day, hour: hour, minute: minute)
                        guard local >= LocalTime(year: start.year, month: start.month, day: start.day, hour: start.hour, minute: start.minute) else { continue }
                        let instant = local.instant(in: zone)
                        if instant > date { return instant }
                    }
                }
            }
            day += 1
            if day > LocalTime.days(inMonth: month, year: year) {
                day = 1
                month += 1
                if month > 12 { month = 1; year += 1 }
            }
        }
        return nil
    }
}
