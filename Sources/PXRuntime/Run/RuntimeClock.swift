import Foundation
import PixiesetKit
import PixiesetModels
import PXState

/// The runtime's clock: the studio's time (docs/spec.md §4 "Times are the
/// studio's"), read as this machine's clock plus the offset measured from
/// the studio's answers (`StudioClock`, decision 0009). Before the first
/// answer of a process it is the local clock.
///
/// The local clock is the system's, or under `PXSCRIPT_NOW` one that starts
/// at that instant and runs forward (decision 0001). The API configuration
/// of the run must carry `studio` (`APIConfiguration.studioClock`) so that
/// the client's answers correct this clock.
///
/// On a `VirtualClock` (tests, `pxscript test`) the local clock is the
/// virtual one, and the daemon's waits (`sleep`) let it jump ahead.
public struct RuntimeClock: Sendable {
    /// The offset to the studio, shared with the run's client.
    public let studio: StudioClock
    /// The virtual clock this one follows (nil: real time).
    public let virtual: VirtualClock?

    /// The clock `environment` asks for.
    /// - Throws: `RuntimeError.usage` when `PXSCRIPT_NOW` is not ISO 8601.
    public init(environment: [String: String]) throws {
        virtual = nil
        guard let text = environment["PXSCRIPT_NOW"], !text.isEmpty else {
            studio = StudioClock()
            return
        }
        guard let start = ISOTime.parse(text) else {
            throw RuntimeError.usage("PXSCRIPT_NOW=\(text.prefix(40)) is not an ISO 8601 time (e.g. 2026-03-01T09:00:00Z)")
        }
        let monotonicStart = DispatchTime.now().uptimeNanoseconds
        studio = StudioClock(local: {
            start.addingTimeInterval(Double(DispatchTime.now().uptimeNanoseconds - monotonicStart) / 1e9)
        })
    }

    /// A clock that follows `virtual`.
    public init(virtual: VirtualClock) {
        self.virtual = virtual
        studio = StudioClock(local: { virtual.now() })
    }

    /// The studio's time now, as far as this process knows it.
    public func now() -> Date { studio.now() }

    /// The daemon's wait: until `wake` or the next poll (`polls.from`), whichever
    /// comes first; on a virtual clock until `wake` or a poll instant of `polls`
    /// that may find news. Cancellation ends it early.
    /// - Returns: whether a poll is due.
    func sleep(until wake: Date?, polls: VirtualClock.PollGrid) async -> Bool {
        if let virtual {
            // `wake` and the poll instants are the studio's times; the virtual clock is this machine's. Shifted
            // by the measured offset: a studio behind would otherwise wake the daemon at once, again and
            // again, at one virtual instant (the simulator found a daemon spinning so).
            let offset = studio.offset
            return await virtual.sleep(
                until: wake.map { $0.addingTimeInterval(-offset) },
                polls: VirtualClock.PollGrid(from: polls.from.addingTimeInterval(-offset), every: polls.every))
        }
        let until = min(wake ?? polls.from, polls.from)
        let seconds = until.timeIntervalSince(now())
        if seconds > 0 { try? await Task.sleep(for: .seconds(clamping: seconds)) }
        return now() >= polls.from
    }
}
