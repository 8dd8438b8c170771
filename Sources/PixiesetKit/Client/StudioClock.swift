import Foundation
import PixiesetModels
import Synchronization

/// The studio's clock as this machine knows it: the offset between the
/// server's time and the local clock, measured from the server's answers
/// (decision 0009). Every age, window and day pxscript reckons is the
/// studio's, so a laptop minutes or days off never duplicates, loses or
/// mis-times a message.
///
/// Two kinds of evidence bound the offset:
/// - the `Date` header of any answer (whole seconds, written between the
///   request leaving and the answer arriving): the offset lies in
///   `[date − arrived, date + 1 s − left]`;
/// - the `sent_at` of a message the server just stored (microseconds):
///   the offset lies in `[sent_at − arrived, sent_at − left]`.
///
/// The bounds are intersected; the offset is the value closest to the one in
/// use (0 at first) that lies within a second of them (`slack`). A machine
/// in step therefore keeps an offset of exactly 0, and a skewed one moves
/// once, by as little as the evidence demands: later answers that refine the
/// bounds by less than the slack do not move it, so schedules and debounce
/// windows do not see time step back and forth. A second is far below what
/// any decision needs (reconciliation allows two minutes). Bounds that
/// contradict each other mean one of the clocks jumped: the newest bound wins.
///
/// Shared by every copy of a client and by the runtime's clock; `Sendable`
/// through its `Mutex`.
public final class StudioClock: Sendable {
    private struct Bounds {
        var low: Double
        var high: Double
        var offset: Double
        var measured: Bool
    }

    private let bounds = Mutex(Bounds(low: -.infinity, high: .infinity, offset: 0, measured: false))
    /// How far the offset in use may sit from the measured bounds.
    public static let slack: Double = 1
    private let noticed = Mutex(false)
    private let local: @Sendable () -> Date

    /// - Parameter local: the machine's clock (the runtime's, which follows
    ///   `PXSCRIPT_NOW` in tests).
    public init(local: @escaping @Sendable () -> Date = { Date() }) {
        self.local = local
    }

    /// The local clock, uncorrected: when requests leave and arrive.
    public func localNow() -> Date { local() }

    /// The studio's time now: the local clock plus the offset measured so
    /// far (no correction before the first answer).
    public func now() -> Date { local().addingTimeInterval(offset) }

    /// Seconds the studio's clock is ahead of this machine's (negative when behind).
    public var offset: Double { bounds.withLock { $0.offset } }

    /// Whether an answer has told anything of the studio's time yet.
    public var isMeasured: Bool { bounds.withLock { $0.measured } }

    /// True the first time it is asked, false after: a skew is warned about
    /// once per process, not once per answer.
    public func takeFirstNotice() -> Bool {
        noticed.withLock { noticed in
            defer { noticed = true }
            return !noticed
        }
    }

    /// Records an answer's `Date` header (IMF-fixdate, RFC 9110 §5.6.7).
    /// Headers that do not parse are ignored: the offset stays as it was.
    public func observe(dateHeader: String, left: Date, arrived: Date) {
        guard let seconds = HTTPDate.parse(dateHeader) else { return }
        let server = Double(seconds)
        narrow(low: server - arrived.timeIntervalSince1970, high: server + 1 - left.timeIntervalSince1970)
    }

    /// Records the `sent_at` of a message stored by a request that left and
    /// arrived at these local times.
    public func observe(storedAt: Date, left: Date, arrived: Date) {
        let server = storedAt.timeIntervalSince1970
        narrow(low: server - arrived.timeIntervalSince1970, high: server - left.timeIntervalSince1970)
    }

    private func narrow(low: Double, high: Double) {
        guard low.isFinite, high.isFinite, low <= high else { return }
        bounds.withLock { state in
            var next = (low: max(state.low, low), high: min(state.high, high))
            if next.low > next.high { next = (low, high) }  // a clock jumped: trust the newest answer
            state.low = next.low
            state.high = next.high
            state.offset = min(max(state.offset, next.low - Self.slack), next.high + Self.slack)
            state.measured = true
        }
    }
}
