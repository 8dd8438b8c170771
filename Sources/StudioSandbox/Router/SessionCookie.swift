import HTTPTypes
import Hummingbird
import NIOCore
import Foundation

/// The session cookie the sandbox accepts (`--cookie`, default
/// `session_cookie=sandbox`): every `name=value` pair of it must be in the
/// request's `Cookie` header, as a browser session would send them. The
/// `XSRF-TOKEN` pair is not part of the session: it is the CSRF token
/// (quirk `csrf`), which a browser sends back as a header on writes.
struct SessionCookie: Sendable {
    static let defaultValue = "session_cookie=sandbox"
    static let xsrfName = "XSRF-TOKEN"
    /// The token the `csrf` quirk adds when `--cookie` has none: percent-encoded, as
    /// Laravel writes it, so that the client must decode it.
    static let defaultXSRF = "eyJpdiI6InNhbmRib3gifQ%3D%3D"

    let value: String
    private let pairs: [(String, String)]
    /// The decoded value of the cookie's `XSRF-TOKEN` pair: what a write must send back.
    let xsrfToken: String

    /// - Parameter csrf: the `csrf` quirk is on at start: the cookie gets an `XSRF-TOKEN` pair if it has none.
    /// - Throws: `SandboxSetupError` when `value` holds no `name=value` pair.
    init(_ value: String, csrf: Bool = false) throws {
        let all = SessionCookie.pairs(in: value)
        let pairs = all.filter { $0.0.caseInsensitiveCompare(Self.xsrfName) != .orderedSame }
        guard !pairs.isEmpty else {
            throw SandboxSetupError("--cookie wants a Cookie header value such as session_cookie=sandbox")
        }
        let xsrf = all.first { $0.0.caseInsensitiveCompare(Self.xsrfName) == .orderedSame }?.1
        self.value = csrf && xsrf == nil ? value + "; \(Self.xsrfName)=\(Self.defaultXSRF)" : value
        self.pairs = pairs
        let raw = xsrf ?? Self.defaultXSRF
        xsrfToken = raw.removingPercentEncoding ?? raw
    }

    /// Whether `request` carries every pair of the session cookie.
    func isPresent(in request: Request) -> Bool {
        let sent = request.headers[values: .cookie].flatMap(SessionCookie.pairs(in:))
        return pairs.allSatisfy { pair in sent.contains { $0 == pair } }
    }

    /// Whether a write carries the CSRF proof: `X-XSRF-TOKEN` (the cookie's pair, decoded)
    /// or `X-CSRF-Token`, equal to the session's token.
    func hasCSRFProof(_ request: Request) -> Bool {
        [HTTPField.Name("X-XSRF-TOKEN"), HTTPField.Name("X-CSRF-Token")].contains { name in
            guard let name else { return false }
            return request.headers[values: name].contains(xsrfToken)
        }
    }

    static func pairs(in header: String) -> [(String, String)] {
        header.split(separator: ";").compactMap { piece in
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            let name = pair[0].trimming(" \t")
            return name.isEmpty ? nil : (name, pair[1].trimming(" \t"))
        }
    }
}

/// Answers 401 to API calls without the session cookie, and (quirk `csrf`)
/// 419 to writes without the CSRF proof, with Laravel's body.
struct SessionMiddleware<Context: RequestContext>: RouterMiddleware {
    let session: SessionCookie
    let controls: SandboxControls

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard session.isPresent(in: request) else { throw SandboxError.unauthenticated }
        let write = [.post, .put, .patch, .delete].contains(request.method)
        if write, controls.quirks.contains(.csrf), !session.hasCSRFProof(request) {
            return Response(
                status: .init(code: 419, reasonPhrase: "Page Expired"), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"message":"CSRF token mismatch."}"#)))
        }
        return try await next(request, context)
    }
}
