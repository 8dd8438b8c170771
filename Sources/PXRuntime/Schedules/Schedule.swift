import Foundation
import PXState

/// A registered schedule (docs/spec.md §4 `every`, `cron`, `at`, `after`; §6).
///
/// Identity is the `name` option, else the kind and spec plus its order
/// among registrations with the same spec, so it survives restarts and
/// edits elsewhere in the script.
struct Schedule: Sendable {
    enum Timing: Sendable {
        case every(Double)
        case cron(CronSpec)
        /// A local time, once ever.
        case at(LocalTime)
        /// In memory only: once, this long after registration.
        case after(Date)
    }

    let id: String
    let timing: Timing
    /// Its place in the prelude's table of scheduled functions.
    let index: Int
    let position: String

    /// When it is next due, given when it last ran (nil: never) and when the daemon started.
    /// - Returns: nil when it will never run again.
    func nextDue(lastRun: Date?, done: Bool, startedAt: Date, in zone: TimeZone) -> Date? {
        switch timing {
        case .every(let interval):
            // A run missed while the daemon was down is due at once (one run, no pile-up).
            return lastRun.map { $0.addingTimeInterval(interval) } ?? startedAt.addingTimeInterval(interval)
        case .cron(let spec):
            return spec.next(after: lastRun ?? startedAt, in: zone)
        case .at(let local):
            return done ? nil : local.instant(in: zone)
        case .after(let when):
            return done ? nil : when
        }
    }
}

extension LocalTime {
    /// `2026-12-01T09:00:00` or `2026-12-01T09:00` (a local time, no zone).
    init?(parsing text: String) {
        let parts = text.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts[1].split(separator: ":").compactMap { Int($0) }
        guard date.count == 3, time.count >= 2, time.count <= 3, (1...12).contains(date[1]),
              (1...LocalTime.days(inMonth: date[1], year: date[0])).contains(date[2]), (0...23).contains(time[0]), (0...59).contains(time[1])
        else { return nil }
        self.init(year: date[0], month: date[1], day: date[2], hour: time[0], minute: time[1])
    }
}
