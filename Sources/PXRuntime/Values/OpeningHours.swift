import Foundation
import PXState

/// `px.hours("Mon-Fri 09:00-18:00; Sat 10:00-14:00")` (docs/spec.md §4): clauses
/// separated by `;`, each DAYS HH:MM-HH:MM, DAYS a day, a range or a list;
/// a span that ends before it starts runs overnight.
struct OpeningHours: Sendable {
    struct Clause: Sendable {
        /// 1 = Monday … 7 = Sunday.
        let days: Set<Int>
        /// Minutes after midnight.
        let start: Int
        let end: Int
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    let clauses: [Clause]
    let timeZone: TimeZone

    /// - Throws: a message saying what is wrong with `spec`.
    init(parsing spec: String, timeZone: TimeZone) throws(HoursProblem) {
        self.timeZone = timeZone
        var clauses: [Clause] = []
        for text in spec.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { throw HoursProblem("'\(text)' is not DAYS HH:MM-HH:MM (like Mon-Fri 09:00-18:00)") }
            var days = Set<Int>()
            for item in parts[0].split(separator: ",") {
                let bounds = item.split(separator: "-").map { Self.day(String($0)) }
                guard bounds.count == 1 || bounds.count == 2, let first = bounds.first ?? nil, let last = bounds.last ?? nil else {
                    throw HoursProblem("'\(item)' is not a day or a range of days (Mon, Tue, … Sun)")
                }
                var day = first
                while true {
                    days.insert(day)
                    if day == last { break }
                    day = day % 7 + 1
                }
            }
            let span = parts[1].split(separator: "-")
            guard span.count == 2, let start = Self.minutes(String(span[0])), let end = Self.minutes(String(span[1])), start != end else {
                throw HoursProblem("'\(parts[1])' is not a span of time like 09:00-18:00")
            }
            clauses.append(Clause(days: days, start: start, end: end))
        }
        guard !clauses.isEmpty else { throw HoursProblem("no opening hours given (like \"Mon-Fri 09:00-18:00\")") }
        self.clauses = clauses
    }

    static func day(_ text: String) -> Int? {
        dayNames.firstIndex(of: String(text.lowercased().prefix(3))).map { $0 + 1 }.flatMap { text.count >= 3 ? $0 : nil }
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour), (0..<60).contains(minute),
              hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Whether `date` falls in the hours.
    func contains(_ date: Date) -> Bool {
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        let day = ((parts.weekday ?? 1) + 5) % 7 + 1, minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let previous = (day + 5) % 7 + 1
        return clauses.contains { clause in
            if clause.start < clause.end { return clause.days.contains(day) && minute >= clause.start && minute < clause.end }
            return (clause.days.contains(day) && minute >= clause.start) || (clause.days.contains(previous) && minute < clause.end)
        }
    }

    /// `date` if open then, else the next opening after it.
    func nextOpen(after date: Date) -> Date? {
        if contains(date) { return date }
        let calendar = self.calendar
        let today = calendar.startOfDay(for: date)
        var best: Date?
        for offset in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            let weekday = ((calendar.component(.weekday, from: day)) + 5) % 7 + 1
            for clause in clauses where clause.days.contains(weekday) {
                guard let opening = calendar.date(bySettingHour: clause.start / 60, minute: clause.start % 60, second: 0, of: day),
                      opening > date
                else { continue }
                if best.map({ opening < $0 }) ?? true { best = opening }
            }
            if best != nil { break }
        }
        return best
    }
}

struct HoursProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
