import Foundation
import NIOHTTP1

/// The proof of origin a browser adds to its writes, which a Laravel-style
/// back end checks on POST, PUT, PATCH and DELETE (docs/assumptions.md A17):
///
/// - `X-XSRF-TOKEN`: the URL-decoded value of the cookie's `XSRF-TOKEN`
///   pair, what axios and Angular send (the browser's own way);
/// - `X-CSRF-Token`: a token given apart (`csrf_token` in the config file,
///   `PIXIESET_CSRF_TOKEN`), what the API's documentation shows.
///
/// Both are secrets like the cookie: the `Redactor` masks them.
public struct CSRFTokens: Sendable, Hashable {
    public static let environmentName = "PIXIESET_CSRF_TOKEN"
    /// The cookie pair Laravel sets for JavaScript to read.
    public static let cookieName = "XSRF-TOKEN"

    /// From the cookie's `XSRF-TOKEN` pair, URL-decoded.
    public let xsrf: String?
    /// Given apart (config file or environment).
    public let csrf: String?

    public init(cookie: String?, csrfToken: String?) {
        xsrf = cookie.flatMap(Self.xsrfToken(inCookie:))
        csrf = csrfToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether a write carries any proof.
    public var isEmpty: Bool { xsrf == nil && csrf == nil }

    /// The secrets to redact: both tokens as sent.
    var secrets: [String] { [xsrf, csrf].compactMap { $0 } }

    /// The value of the cookie's `XSRF-TOKEN` pair, URL-decoded (Laravel
    /// writes it encrypted and percent-encoded: `eyJpdiI6…%3D`).
    public static func xsrfToken(inCookie cookie: String) -> String? {
        guard let raw = CookieSource.pairs(in: cookie).first(where: { $0.name.caseInsensitiveCompare(cookieName) == .orderedSame })?.value
        else { return nil }
        let value = raw.removingPercentEncoding ?? raw
        return value.isEmpty ? nil : value
    }

    /// Whether `method` changes something, and so carries the tokens.
    public static func isWrite(_ method: HTTPMethod) -> Bool {
        method == .POST || method == .PUT || method == .PATCH || method == .DELETE
    }

    /// Adds the tokens to a write's headers.
    func add(to headers: inout HTTPHeaders) {
        if let xsrf { headers.add(name: "X-XSRF-TOKEN", value: xsrf) }
        if let csrf { headers.add(name: "X-CSRF-Token", value: csrf) }
    }

    /// What to do about a refusal, worded for where the tokens came from.
    func refusalHint(cookieOrigin: String?) -> String {
        if isEmpty {
            return "the cookie has no \(Self.cookieName) pair and no csrf_token is set: copy the whole Cookie header again "
                + "with `pxscript login` (it must include \(Self.cookieName)), or set csrf_token in the config file or \(Self.environmentName)"
        }
        if csrf != nil, xsrf == nil {
            return "csrf_token (or \(Self.environmentName)) is stale: log in to Pixieset in your browser and run `pxscript login` "
                + "to store a fresh Cookie header with its \(Self.cookieName)"
        }
        return "the \(Self.cookieName) in the cookie\(cookieOrigin.map { " (from \($0))" } ?? "") is stale: reload Pixieset Studio in your "
            + "browser and copy the Cookie header again with `pxscript login`"
    }
}
