import Crypto
import Foundation
import Synchronization

/// The dashboard's secrets: the token printed in its address
/// (like Jupyter's), the sessions it opened, and each session's CSRF token.
/// Compared in constant time: a timing difference must not spell a token.
final class DashboardKeys: Sendable {
    /// In the printed address; whoever opens it gets a session.
    let token: String
    /// Signs CSRF tokens; never leaves the process.
    private let key: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) }
    /// Open sessions by the SHA-256 of their id, with when each was last used: looked up by key,
    /// never compared one by one (100,000 logins made each check cost seconds).
    private let sessions = Mutex<[Data: ContinuousClock.Instant]>([:])
    /// A session unused this long is closed.
    static let idleLimit: Duration = .seconds(12 * 3600)
    /// At most this many sessions live at once; opening one more closes the least recently used.
    static let maximumSessions = 256
    /// The length of every session id `random()` makes: anything else is refused before any work.
    static let sessionLength = 43
    private let now: @Sendable () -> ContinuousClock.Instant

    init(token: String? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.token = token ?? Self.random()
        self.now = now
    }

    /// 32 random bytes, URL-safe base64 without padding.
    static func random() -> String {
        // SystemRandomNumberGenerator: the kernel's random source.
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func isToken(_ candidate: String) -> Bool { Self.same(candidate, token) }

    /// A new session, for a visitor who showed the token.
    func openSession() -> String {
        let session = Self.random()
        let at = now()
        sessions.withLock { open in
            for (key, used) in open where at - used >= Self.idleLimit { open[key] = nil }
            if open.count >= Self.maximumSessions, let oldest = open.min(by: { $0.value < $1.value })?.key { open[oldest] = nil }
            open[Data(SHA256.hash(data: Data(session.utf8)))] = at
        }
        return session
    }

    /// Whether `candidate` is an open session (and marks it used). A cookie of another length is
    /// refused before anything; the lookup is by its hash, so its time says nothing of the ids.
    func isSession(_ candidate: String) -> Bool {
        guard candidate.utf8.count == Self.sessionLength else { return false }
        let key = Data(SHA256.hash(data: Data(candidate.utf8))), at = now()
        return sessions.withLock { open in
            guard let used = open[key] else { return false }
            guard at - used < Self.idleLimit else {
                open[key] = nil
                return false
            }
            open[key] = at
            return true
        }
    }

    /// How many sessions are open (for tests and `docs/security.md`'s bound).
    var openSessions: Int { sessions.withLock { $0.count } }

    /// The CSRF token of `session`: every form carries it, every POST must.
    func csrf(for session: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(session.utf8), using: SymmetricKey(data: key)).map { String(format: "%02x", $0) }.joined()
    }

    func isCSRF(_ candidate: String, for session: String) -> Bool { Self.same(candidate, csrf(for: session)) }

    /// Equal, in time that depends on the lengths only.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
