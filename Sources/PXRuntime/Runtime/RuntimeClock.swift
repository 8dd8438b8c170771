import Foundation

/// The runtime's clock: the system's, or under `PXSCRIPT_NOW` one that
/// starts at that instant and runs forward (decision 0001), like the
/// sandbox's, so both agree on what "now" is.
public struct RuntimeClock: Sendable {
    private let start: Date?
    private let monotonicStart: UInt64

    /// The clock `environment` asks for.
    /// - Throws: `RuntimeError.usage` when `PXSCRIPT_NOW` is not ISO 8601.
    public init(environment: [String: String]) throws {
        monotonicStart = DispatchTime.now().uptimeNanoseconds
        guard let text = environment["PXSCRIPT_NOW"], !text.isEmpty else {
            start = nil
            return
        }
        guard let date = ISOTime.parse(text) else {
            throw RuntimeError.usage("PXSCRIPT_NOW=\(text.prefix(40)) is not an ISO 8601 time (e.g. 2026-03-01T09:00:00Z)")
        }
        start = date
    }

    public func now() -> Date {
        guard let start else { return Date() }
        return start.addingTimeInterval(Double(DispatchTime.now().uptimeNanoseconds - monotonicStart) / 1e9)
    }
}
