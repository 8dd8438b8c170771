import Foundation
import Testing

/// docs/spec.md §4: "a time without a zone means the script's zone, everywhere".
@Suite("zones: parse, format, hours and schedules agree on local time")
struct ZoneTests {
    @Test("a time without a zone is the script's wall time, in whole-hour, half-hour and 45-minute zones", arguments: [
        ("America/Toronto", "2026-11-20T05:00:00.000000Z", "2026-11-20 00:00:00 EST -0500"),
        ("Asia/Kolkata", "2026-11-19T18:30:00.000000Z", "2026-11-20 00:00:00 IST +0530"),
        ("Pacific/Chatham", "2026-11-19T10:15:00.000000Z", "2026-11-20 00:00:00 +1345 +1345"),
    ])
    func wallTimes(zone: String, instant: String, local: String) async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local t = px.time.parse("2026-11-20T00:00:00")
                local h = px.hours("Mon-Sun 09:00-17:00")
                return px.time.format(t), px.time.format(t, "%F %T %Z %z"),
                       px.time.parse("2026-11-20T00:00:00", { tz = "UTC" }) == px.time.parse("2026-11-20T00:00:00Z"),
                       px.time.parse("2026-11-20") == t, px.time.parse("2026-11-20 00:00") == t,
                       h:contains(px.time.parse("2026-11-20T09:30:00")), h:contains(px.time.parse("2026-11-20T08:59:00")),
                       px.time.format(h:next_open(t), "%-I:%M %p")
                """, timeZone: zone)
            #expect(values == [instant, local, "true", "true", "true", "true", "false", "9:00 AM"])
        }
    }

    @Test("a wall time skipped by spring-forward is the jump; one that happens twice is its first occurrence")
    func daylightSaving() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                return px.time.format(px.time.parse("2026-03-08T02:30:00")), px.time.format(px.time.parse("2026-11-01T01:30:00")),
                       px.time.format(px.time.parse("2026-07-01T12:00:00Z"), "%a %e %b, %-I:%M %p %Z")
                """, timeZone: "America/Toronto")
            #expect(values == ["2026-03-08T07:00:00.000000Z", "2026-11-01T05:30:00.000000Z", "Wed 1 Jul, 8:00 AM EDT"])
        }
    }

    @Test("format: the strftime set people use, %e and %-d without padding, unknown conversions refused")
    func format() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local t = px.time.parse("2026-12-05T07:04:09Z")
                local ok, err = pcall(px.time.format, t, "%Y %Q")
                local ok2, err2 = pcall(px.time.format, t, "100%")
                local ok3, err3 = pcall(px.time.format, 0/0)
                return px.time.format(t, "%B %e, %-d/%-m, %x %X, %D %R %r, %j %u %w %y %C %s %%"),
                       px.time.format(t, "%c"), err, err2, err3
                """)
            #expect(values[0] == "December 5, 5/12, 12/05/26 07:04:09, 12/05/26 07:04 07:04:09 AM, 339 6 6 26 20 1796454249 %")
            #expect(values[1] == "Sat Dec 5 07:04:09 2026")
            #expect(values[2].contains("bad argument #2 to 'format' (unknown conversion '%Q'"))
            #expect(values[3].contains("bad argument #2 to 'format' (the format ends with a lone '%'"))
            #expect(values[4].contains("bad argument #1 to 'format'"))
        }
    }
}
