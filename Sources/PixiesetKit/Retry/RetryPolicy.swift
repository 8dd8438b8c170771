import Foundation
import PixiesetModels

/// How failed requests are retried (docs/spec.md §6 "Retry table"): exponential
/// backoff with full jitter, `Retry-After` honoured, within an attempt count
/// and a total deadline.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The first backoff ceiling; each retry doubles it up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// No retry starts after this much time since the first attempt.
    public var deadline: Duration
    /// After a send whose answer suggests the studio did the work (an
    /// unreadable 2xx, a 502 or 504, a timeout, a reset) is not found in its
    /// conversation, the search is made once more after this long: an API
    /// that shows a stored message a moment late must not get a second copy.
    public var settleDelay: Duration

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(10),
                deadline: Duration = .seconds(90), settleDelay: Duration = .seconds(5)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.deadline = deadline
        self.settleDelay = settleDelay
    }

    public static let standard = RetryPolicy()
    /// For tests against a local sandbox (and `pxscript test`'s): quick, still several attempts. Bounded
    /// by its attempts, not by time: a deadline in real time is met by a loaded machine (a CI run's
    /// read gave up after one 503 when an attempt took 20 s), so it is only a guard against a hang.
    public static let fast = RetryPolicy(
        maxAttempts: 8, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50), deadline: .seconds(3_600), settleDelay: .milliseconds(20))

    /// The wait before retry number `retry` (1 for the first retry): a
    /// uniform draw in [0, min(maxDelay, baseDelay·2^(retry-1))] ("full
    /// jitter"), or the server's `Retry-After` when it gave one.
    public func delay<R: RandomNumberGenerator>(beforeRetry retry: Int, retryAfter: Duration?, using rng: inout R) -> Duration {
        if let retryAfter { return min(retryAfter, deadline) }
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanos > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanos, using: &rng))
    }
}

/// The `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
public enum RetryAfter {
    /// The wait it asks for; `nil` when absent or unreadable. Negative waits read as zero.
    ///
    /// - Parameter now: the studio's time when the answer was written: the
    ///   answer's own `Date` header when it has one (so a date is measured
    ///   on the studio's clock, not against this machine's), else the
    ///   studio's time as measured so far.
    public static func parse(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingSpaces, !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, min(seconds, 86_400))) }
        guard let date = HTTPDate.parse(value) else { return nil }
        let seconds = Double(date) - now.timeIntervalSince1970
        return .seconds(clamping: min(seconds, 86_400))
    }
}
