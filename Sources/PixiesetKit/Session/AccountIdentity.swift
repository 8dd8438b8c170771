import Crypto
import Foundation

/// What makes two configurations the same studio account (docs/spec.md §6: one
/// message-handling daemon per account, "normalised host and session"):
/// the API's scheme, host, port and path as the server sees them, and the
/// cookie pairs that identify the session.
///
/// Spelling must not split an account in two: `localhost` and `127.0.0.1`
/// are one host, a default port written out is the default port, and a
/// cookie copied from the browser a day later carries the same session
/// among other pairs (analytics, a rotated `XSRF-TOKEN`) in another order.
public enum AccountIdentity {
    /// Cookie names that never identify a session: analytics and
    /// advertising tags, bot checks, and the CSRF token, which the server
    /// rotates with every answer.
    static let notIdentifying: [String] = [
        "_ga", "_gid", "_gat", "_gcl", "_fbp", "_fbc", "_hj", "_uet", "_pin", "_tt", "_clck", "_clsk", "_scid", "ajs_", "amplitude",
        "mp_", "intercom-", "__stripe", "__cf", "cf_", "_cf", "optimizely", "__hs", "hubspot", "_dd_s", "xsrf-token", "csrftoken",
    ]

    /// A short digest naming the account: equal for every spelling of it.
    public static func key(baseURL: BaseURL, cookie: String) -> String {
        let text = host(baseURL) + "\n" + sessionPairs(cookie).map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
        return SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// `scheme://host:port/path` with loopback names as `127.0.0.1` and the port always written.
    static func host(_ baseURL: BaseURL) -> String {
        let host = baseURL.host == "localhost" ? "127.0.0.1" : baseURL.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return "\(baseURL.scheme)://\(host):\(baseURL.effectivePort)\(baseURL.path)"
    }

    /// The cookie's pairs that may identify the session, sorted by name
    /// (all of them when none is left after dropping the known others).
    static func sessionPairs(_ cookie: String) -> [(name: String, value: String)] {
        let pairs = CookieSource.pairs(in: cookie)
        let identifying = pairs.filter { pair in
            let name = pair.name.lowercased()
            return !notIdentifying.contains { name.hasPrefix($0) }
        }
        return (identifying.isEmpty ? pairs : identifying).sorted { ($0.name, $0.value) < ($1.name, $1.value) }
    }
}
