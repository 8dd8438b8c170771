import Foundation
import HTTPTypes
import Hummingbird

/// Every request passes here first: the `Host` must be the
/// dashboard's own (DNS rebinding), the visitor must hold a session (opened
/// by the token in the printed address), and a POST must carry its
/// session's CSRF token and come from the page itself. Every answer gets
/// headers that keep it out of frames, caches and other origins, and a
/// Content-Security-Policy without inline script.
struct DashboardGuard<Context: RequestContext>: RouterMiddleware {
    let keys: DashboardKeys
    /// `host:port` values a request may name (known once the server listens).
    let hosts: @Sendable () -> Set<String>

    static var cookieName: String { "pxscript_dashboard" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await check(request, context: context, next: next)
        Self.secure(&response.headers)
        return response
    }

    private func check(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let hosts = self.hosts()
        guard let host = request.head.authority, hosts.contains(host.lowercased()) else {
            return DashboardSite.plain(.misdirectedRequest, "This dashboard answers at its own address only.")
        }
        if request.uri.path == "/assets/style.css" { return try await next(request, context) }
        // The token opens a session, then leaves the address bar (a redirect without it).
        if let token = request.uri.queryParameters["token"].map(String.init) {
            guard request.method == .get, keys.isToken(token) else {
                return DashboardSite.plain(.unauthorized, "This token is not the dashboard's. Open the address pxscript printed.")
            }
            var response = Response(status: .seeOther)
            response.headers[.location] = Self.ownPath(request.uri.path)
            response.headers[.setCookie] = "\(Self.cookieName)=\(keys.openSession()); Path=/; HttpOnly; SameSite=Strict"
            return response
        }
        guard let session = Self.cookie(Self.cookieName, in: request), keys.isSession(session) else {
            return DashboardSite.plain(.unauthorized, "Open the address that pxscript dashboard printed (it holds a token); pxscript dashboard --url shows it again.")
        }
        if request.method == .post {
            // A page of another site cannot post here: the browser names where a request comes from.
            let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]
            if let site, site != "same-origin" {
                return DashboardSite.plain(.forbidden, "Refused: this request came from another site.")
            }
            // `Origin: null` is what a browser sends when it keeps the origin to itself (a privacy setting):
            // then only its own `Sec-Fetch-Site: same-origin` lets the post through (the CSRF token is checked anyway).
            if let origin = request.headers[HTTPField.Name("Origin")!], !hosts.contains(Self.hostOf(origin)),
               !(origin == "null" && site == "same-origin")
            {
                return DashboardSite.plain(.forbidden, "Refused: this request came from another site.")
            }
        }
        return try await next(request, context)
    }

    /// `path` when it is a path of this dashboard, else `/`: a redirect never leaves it (docs/security.md:
    /// `//evil.example/x` is another site to a browser, and so is `/\evil.example`).
    static func ownPath(_ path: String) -> String {
        guard path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"), path.utf8.count <= 200,
              path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" })
        else { return "/" }
        return path
    }

    /// The `host:port` of an `Origin` header (`http://127.0.0.1:8123`).
    static func hostOf(_ origin: String) -> String {
        guard let url = URL(string: origin), let host = url.host else { return "" }
        let shown = host.contains(":") ? "[\(host)]" : host
        return (url.port.map { "\(shown):\($0)" } ?? shown).lowercased()
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }

    static func secure(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        // Same-origin: the page's own posts carry their origin (with no-referrer a browser sends `Origin: null`);
        // no other site ever learns the address, which holds no token after login anyway.
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[.cacheControl] = "no-store"
    }
}
