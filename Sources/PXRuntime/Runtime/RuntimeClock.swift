import Foundation
import PixiesetKit

/// The runtime's clock: the studio's time (SPEC §4 "Times are the
/// studio's"), read as this machine's clock plus the offset measured from
/// the studio's answers (`StudioClock`, decision 0009). Before the first
/// answer of a process it is the local clock.
///
/// The local clock is the system's, or under `PXSCRIPT_NOW` one that starts
/// at that instant and runs forward (decision 0001). The API configuration
/// of the run must carry `studio` (`APIConfiguration.studioClock`) so that
/// the client's answers correct this clock.
public struct RuntimeClock: Sendable {
    /// The offset to the studio, shared with the run's client.
    public let studio: StudioClock

    /// The clock `environment` asks for.
    /// - Throws: `RuntimeError.usage` when `PXSCRIPT_NOW` is not ISO 8601.
    public init(environment: [String: String]) throws {
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

    /// The studio's time now, as far as this process knows it.
    public func now() -> Date { studio.now() }
}
