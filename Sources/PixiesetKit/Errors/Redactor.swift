/// Removes the session cookie from text before it can reach output, a log
/// or an error: servers may echo request headers back in error bodies.
///
/// Both the whole header value and each `name=value` pair's value are
/// replaced, so a server that echoes only one cookie is caught too.
public struct Redactor: Sendable {
    public static let mask = "[redacted]"
    private let secrets: [String]

    public init(cookie: String?) {
        guard let cookie, !cookie.isEmpty else {
            secrets = []
            return
        }
        var secrets = [cookie]
        for pair in cookie.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let value = parts.count == 2 ? String(parts[1]).trimmingSpaces : String(pair).trimmingSpaces
            // Very short values would redact ordinary words; a session value is long.
            if value.count >= 6 { secrets.append(value) }
        }
        // Longest first, so the whole header is masked before its parts.
        self.secrets = secrets.sorted { $0.count > $1.count }
    }

    /// `text` with every occurrence of the cookie (or one of its values) masked.
    public func redact(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacing(secret, with: Self.mask)
        }
        return out
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
