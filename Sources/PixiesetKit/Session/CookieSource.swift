import Foundation
import PXConfig

/// Where the session cookie comes from: `PIXIESET_COOKIE`, else the config
/// file's `cookie` (docs/spec.md §5). Read again on demand, so a long-running watch
/// picks up a new cookie after the photographer logs in again.
public struct CookieSource: Sendable {
    public static let environmentName = "PIXIESET_COOKIE"

    public let environment: [String: String]
    public let configPath: String?

    public init(environment: [String: String], configPath: String?) {
        self.environment = environment
        self.configPath = configPath
    }

    /// The `name=value` pairs of a Cookie header, trimmed, in order (pieces without a name are left out).
    static func pairs(in cookie: String) -> [(name: String, value: String)] {
        cookie.split(separator: ";").compactMap { part in
            let piece = part.trimmingCharacters(in: .whitespaces)
            guard let equals = piece.firstIndex(of: "="), equals != piece.startIndex else { return nil }
            return (String(piece[..<equals]).trimmingCharacters(in: .whitespaces),
                    String(piece[piece.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    /// The cookie, where it came from, and the CSRF token given apart
    /// (`PIXIESET_CSRF_TOKEN` > `csrf_token`), reading the config file anew:
    /// a daemon calls this every poll while the studio refuses its session or its token.
    public func credentials() throws -> Credentials? {
        let config = try configPath.map { try ConfigFile.load(path: $0) } ?? ConfigFile()
        return Self.credentials(environment: environment, config: config)
    }

    /// The priority rules of docs/spec.md §5 on an already loaded config file.
    public static func credentials(environment: [String: String], config: ConfigFile) -> Credentials? {
        guard let (cookie, origin) = cookie(environment: environment, config: config) else { return nil }
        let token = environment[CSRFTokens.environmentName]?.trimmingSpaces ?? config.csrfToken?.trimmingSpaces
        return Credentials(cookie: cookie, origin: origin, csrfToken: token?.isEmpty == false ? token : nil)
    }

    /// What logs in: the cookie, where it came from, and a CSRF token given apart.
    public struct Credentials: Sendable, Hashable {
        public let cookie: String
        public let origin: String
        public let csrfToken: String?
    }

    /// Why `cookie` cannot be sent, or nil: a Cookie header is one line of
    /// visible characters. A line break would split the request (and, in an
    /// error, be printed escaped where redaction could not see it).
    public static func problem(with cookie: String) -> String? {
        guard cookie.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return "the session cookie contains a line break or another control character; copy the Cookie header's value again, as one line"
    }

    /// The priority rule of docs/spec.md §5 on an already loaded config file.
    public static func cookie(environment: [String: String], config: ConfigFile) -> (cookie: String, origin: String)? {
        if let cookie = environment[environmentName]?.trimmingSpaces, !cookie.isEmpty {
            return (cookie, environmentName)
        }
        guard let cookie = config.cookie?.trimmingSpaces, !cookie.isEmpty else { return nil }
        return (cookie, config.path ?? "the config file")
    }
}
