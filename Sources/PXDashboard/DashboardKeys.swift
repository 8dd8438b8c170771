import Crypto
import Foundation
import Synchronization

/// The dashboard's secrets (issue 21): the token printed in its address
/// (like Jupyter's), the sessions it opened, and each session's CSRF token.
/// Compared in constant time: a timing difference must not spell a token.
final class DashboardKeys: Sendable {
    /// In the printed address; whoever opens it gets a session.
    let token: String
    /// Signs CSRF tokens; never leaves the process.
    private let key: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) }
    private let sessions = Mutex<Set<String>>([])

    init(token: String? = nil) {
        self.token = token ?? Self.random()
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
        sessions.withLock { _ = $0.insert(session) }
        return session
    }

    func isSession(_ candidate: String) -> Bool {
        // Each known session is compared in full: no early exit on the first that differs.
        sessions.withLock { known in known.reduce(false) { $0 || Self.same(candidate, $1) } }
    }

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
