import Foundation
import PixiesetModels

/// The API's base URL (`--base-url`, `PXSCRIPT_BASE_URL`, default the real
/// API), split once so that requests are built by joining encoded segments,
/// never by pasting strings.
public struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    public static let pixieset = "https://studio.pixieset.com/api/v1"

    public let scheme: String
    public let host: String
    public let port: Int?
    /// The path prefix without a trailing slash, e.g. `/api/v1`.
    public let path: String
    /// `scheme://host[:port]`.
    public let origin: String
    /// `origin` + `path`: what every URL of the API starts with.
    let root: String

    /// - Throws: `PixiesetError.invalidRequest` unless `text` is an http(s)
    ///   URL with a host and no query, fragment or credentials.
    public init(parsing text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw PixiesetError.invalidRequest("base URL '\(text.prefix(100))' is not an http(s) URL with a host") }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            throw PixiesetError.invalidRequest("base URL '\(text.prefix(100))' must not have a query, fragment or credentials")
        }
        if let port = components.port, !(1...65_535).contains(port) {
            throw PixiesetError.invalidRequest("base URL '\(text.prefix(100))' has port \(port); ports go from 1 to 65535")
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = components.port
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.path = path
        // Kept, not computed: every request is built from it and checked against it.
        let showsPort = port.map { !(scheme == "http" && $0 == 80 || scheme == "https" && $0 == 443) } ?? false
        let bracketed = self.host.contains(":") ? "[\(self.host)]" : self.host
        origin = "\(scheme)://\(bracketed)\(showsPort ? ":\(port!)" : "")"
        root = origin + path
    }

    public var description: String { root }

    /// Whether this points at this machine: an IPv4 literal in 127.0.0.0/8,
    /// `::1`, or `localhost`. Decided on the literal alone, never by a DNS
    /// lookup or a prefix of the name (`127.attacker.example` is not here):
    /// where a sandbox runs, and the only place test switches are allowed.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { $0.count <= 3 && !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// The URL of `segments` below the base, each percent-encoded as one
    /// segment, with a trailing slash where the API's path has one.
    public func url(_ segments: [String], trailingSlash: Bool = false, query: [(String, String)] = []) -> String {
        var url = root
        for segment in segments { url += "/" + PercentEncoding.segment(segment) }
        if trailingSlash { url += "/" }
        if !query.isEmpty {
            url += "?" + query.map { PercentEncoding.segment($0.0) + "=" + PercentEncoding.segment($0.1) }.joined(separator: "&")
        }
        return url
    }

    /// Whether `url` is on this API (same origin, below the path): the only
    /// URLs the session cookie is ever sent to.
    public func owns(_ url: String) -> Bool {
        // Every URL the client builds starts with exactly this base; answer
        // those without parsing (this runs on every request). Anything else
        // (explicit default ports, other spellings) gets the full comparison.
        if url.hasPrefix(root) {
            let next = url.dropFirst(root.count).first
            if next == nil || next == "/" || next == "?" { return true }
        }
        guard let other = try? BaseURL(parsing: url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url) else {
            return false
        }
        return other.scheme == scheme && other.host == host && other.effectivePort == effectivePort
            && (other.path == path || other.path.hasPrefix(path + "/"))
    }

    /// The port connected to: the one written, else the scheme's default.
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }
}
