import Foundation
import PixiesetKit
import PixiesetModels
import Synchronization
import Testing

@Suite("StudioClock: the studio's time from its answers")
struct StudioClockTests {
    /// A local clock the test moves by hand.
    final class Hand: Sendable {
        let seconds = Mutex<Double>(1_772_355_600)  // 2026-03-01T09:00:00Z
        var date: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
    }

    @Test("HTTP dates: written and read back, across years, leap days and the epoch; malformed ones refused")
    func httpDates() {
        #expect(HTTPDate.format(secondsSince1970: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.format(secondsSince1970: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let seconds = Int64.random(in: 0...8_000_000_000, using: &random)
            #expect(HTTPDate.parse(HTTPDate.format(secondsSince1970: seconds)) == seconds)
        }
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 12:00:00 GMT") == 1_709_208_000)
        for bad in ["", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
                    "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 1994 28:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT"] {
            #expect(HTTPDate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("a machine in step keeps an offset of exactly 0; a skewed one learns the offset from one answer")
    func offsets() {
        let hand = Hand()
        let clock = StudioClock(local: { hand.date })
        #expect(!clock.isMeasured && clock.offset == 0)
        // The studio in step: its Date header is the same second.
        let left = hand.date
        hand.seconds.withLock { $0 += 0.2 }
        clock.observe(dateHeader: HTTPDate.format(secondsSince1970: Int64(left.timeIntervalSince1970)), left: left, arrived: hand.date)
        #expect(clock.isMeasured && clock.offset == 0)
        // The machine jumps a day ahead (NTP, a resumed laptop): the next answer corrects it.
        hand.seconds.withLock { $0 += 86_400 }
        let studio = left.timeIntervalSince1970 + 1
        clock.observe(dateHeader: HTTPDate.format(secondsSince1970: Int64(studio)), left: hand.date, arrived: hand.date.addingTimeInterval(0.1))
        #expect(abs(clock.now().timeIntervalSince1970 - studio) < 3, "\(clock.offset)")  // a Date header's second, and the slack
        // A stored message's time narrows it to the request's duration.
        let sendLeft = hand.date
        hand.seconds.withLock { $0 += 0.05 }
        let storedAt = sendLeft.addingTimeInterval(-86_399.0)
        clock.observe(storedAt: storedAt, left: sendLeft, arrived: hand.date)
        #expect(abs(clock.offset - (-86_399.0)) <= StudioClock.slack + 0.05 + 1e-6, "\(clock.offset)")
        // Unreadable headers change nothing.
        let before = clock.offset
        clock.observe(dateHeader: "yesterday", left: hand.date, arrived: hand.date)
        #expect(clock.offset == before)
    }
}
