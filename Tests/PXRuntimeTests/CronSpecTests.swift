import Foundation
import PXRuntime
@testable import PXState
import Testing

@Suite("Cron schedules, across daylight saving time")
struct CronSpecTests {
    let toronto = TimeZone(identifier: "America/Toronto")!

    func at(_ text: String) -> Date { ISOTime.parse(text)! }

    func firings(_ spec: String, from start: String, count: Int, zone: TimeZone) throws -> [String] {
        let cron = try CronSpec(parsing: spec)
        var date = at(start), out: [String] = []
        for _ in 0..<count {
            guard let next = cron.next(after: date, in: zone) else { break }
            out.append(ISOTime.format(next))
            date = next
        }
        return out
    }

    @Test("fields: numbers, ranges, steps, lists, names; Sunday is 0 or 7")
    func fields() throws {
        let utc = TimeZone(identifier: "UTC")!
        #expect(try firings("0 9 * * mon-fri", from: "2026-03-06T10:00:00Z", count: 2, zone: utc)
            == ["2026-03-09T09:00:00.000000Z", "2026-03-10T09:00:00.000000Z"])  // Friday 10:00 → Monday, Tuesday
        #expect(try firings("*/20 8-9 * * *", from: "2026-03-01T08:50:00Z", count: 3, zone: utc)
            == ["2026-03-01T09:00:00.000000Z", "2026-03-01T09:20:00.000000Z", "2026-03-01T09:40:00.000000Z"])
        #expect(try firings("30 7 1,15 feb,MAR *", from: "2026-02-20T00:00:00Z", count: 2, zone: utc)
            == ["2026-03-01T07:30:00.000000Z", "2026-03-15T07:30:00.000000Z"])
        #expect(try firings("0 12 * * 7", from: "2026-03-01T13:00:00Z", count: 1, zone: utc) == ["2026-03-08T12:00:00.000000Z"])
        // Day of month and day of week both restricted: either matches.
        #expect(try firings("0 0 13 * fri", from: "2026-03-01T00:00:00Z", count: 3, zone: utc)
            == ["2026-03-06T00:00:00.000000Z", "2026-03-13T00:00:00.000000Z", "2026-03-20T00:00:00.000000Z"])
        #expect(try firings("0 0 29 2 *", from: "2026-03-01T00:00:00Z", count: 1, zone: utc) == ["2028-02-29T00:00:00.000000Z"])
    }

    @Test("bad specs say what is wrong", arguments: [
        ("0 9 * *", "has 4 fields"), ("60 * * * *", "'60' is not a minute"), ("* * * * funday", "is not a day of week"),
        ("*/0 * * * *", "is not a step"), ("5-1 * * * *", "runs backwards"),
    ])
    func problems(spec: String, expected: String) {
        #expect { try CronSpec(parsing: spec) } throws: { "\($0)".contains(expected) }
    }

    @Test("spring forward: a skipped time fires once, at the jump; fall back: a repeated time fires once, the first time")
    func daylightSaving() throws {
        // Toronto, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
        #expect(try firings("30 2 * * *", from: "2026-03-07T12:00:00Z", count: 2, zone: toronto)
            == ["2026-03-08T07:00:00.000000Z", "2026-03-09T06:30:00.000000Z"])
        #expect(try firings("*/15 * * * *", from: "2026-03-08T06:50:00Z", count: 3, zone: toronto)
            == ["2026-03-08T07:00:00.000000Z", "2026-03-08T07:15:00.000000Z", "2026-03-08T07:30:00.000000Z"])
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30Z and again at 06:30Z.
        #expect(try firings("30 1 * * *", from: "2026-10-31T12:00:00Z", count: 2, zone: toronto)
            == ["2026-11-01T05:30:00.000000Z", "2026-11-02T06:30:00.000000Z"])
        #expect(try firings("0 * * * *", from: "2026-11-01T04:30:00Z", count: 3, zone: toronto)
            == ["2026-11-01T05:00:00.000000Z", "2026-11-01T07:00:00.000000Z", "2026-11-01T08:00:00.000000Z"])
    }
}
