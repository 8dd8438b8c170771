import PixiesetModels
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the sandbox reads the time: message times, upload-policy
/// expiry and the demo data's dates all come from one clock.
public protocol SandboxClock: Sendable {
    func now() -> Timestamp
    /// The instant demo data is dated from: fixed for a fixed start, so the
    /// same `PXSCRIPT_NOW` always gives the same data.
    var referenceTime: Timestamp { get }
}

extension SandboxClock {
    public var referenceTime: Timestamp { now() }
}

/// The machine's wall clock.
public struct SystemClock: SandboxClock {
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }
}

/// A clock that starts at a given instant and runs forward with real time.
///
/// This is what `PXSCRIPT_NOW` sets (see docs/decisions/0001-pxscript-now.md):
/// the start is fixed, so demo data dated from it is the same on every run,
/// and later events still get later times.
public struct StartingClock: SandboxClock {
    public let start: Timestamp
    private let monotonicStart: Int64

    public init(start: Timestamp) {
        self.start = start
        self.monotonicStart = StartingClock.monotonicMicroseconds()
    }

    public var referenceTime: Timestamp { start }

    public func now() -> Timestamp {
        start.adding(microseconds: StartingClock.monotonicMicroseconds() - monotonicStart)
    }

    static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}

/// A clock that moves only when told to; for tests of expiry and ordering.
public final class ManualClock: SandboxClock {
    private let current: Mutex<Timestamp>

    public init(start: Timestamp) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward by `seconds`.
    public func advance(seconds: Double) {
        current.withLock { $0 = $0.adding(microseconds: Int64(saturating: seconds * 1_000_000)) }
    }
}

/// The `PXSCRIPT_NOW` environment variable (docs/spec.md §4).
public enum FixedNow {
    public static let environmentName = "PXSCRIPT_NOW"

    /// The clock the environment asks for: a `StartingClock` at
    /// `PXSCRIPT_NOW` when set, else the system clock.
    /// - Throws: `SandboxError.invalidNow` when the value is not ISO 8601.
    public static func clock(environment: [String: String]) throws -> any SandboxClock {
        guard let text = environment[environmentName], !text.isEmpty else { return SystemClock() }
        guard let start = Timestamp(parsing: text) else {
            throw SandboxSetupError("\(environmentName)=\(text.prefix(40)) is not an ISO 8601 time (e.g. 2026-03-01T09:00:00Z)")
        }
        return StartingClock(start: Timestamp(microseconds: start.microseconds))
    }
}

/// A clock kept by someone else (a test's or a benchmark's virtual clock):
/// the sandbox reads `now` from it, so its messages and `Date` headers move
/// with that clock.
public struct FollowingClock: SandboxClock {
    private let read: @Sendable () -> Timestamp
    public let referenceTime: Timestamp

    public init(reference: Timestamp, _ now: @escaping @Sendable () -> Timestamp) {
        read = now
        referenceTime = reference
    }

    public func now() -> Timestamp { read() }
}
