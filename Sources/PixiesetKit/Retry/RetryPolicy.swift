import Foundation

/// How failed requests are retried (SPEC §6 "Retry table"): exponential
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

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(10),
                deadline: Duration = .seconds(90)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.deadline = deadline
    }

    public static let standard = RetryPolicy()
    /// For tests against a local sandbox: quick, still several attempts.
    public static let fast = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50), deadline: .seconds(20))

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
    public static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingSpaces, !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, min(seconds, 86_400))) }
        guard let date = httpDate(value) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return .milliseconds(Int64(max(0, min(seconds, 86_400)) * 1000))
    }

    /// IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (year, monthIndex + 1, day)
        (components.hour, components.minute, components.second) = (clock[0], clock[1], clock[2])
        return components.date
    }
}
