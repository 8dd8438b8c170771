import HTTPTypes
import Hummingbird

/// The session cookie the sandbox accepts (`--cookie`, default
/// `session_cookie=sandbox`): every `name=value` pair of it must be in the
/// request's `Cookie` header, as a browser session would send them.
struct SessionCookie: Sendable {
    static let defaultValue = "session_cookie=sandbox"

    let value: String
    private let pairs: [(String, String)]

    /// - Throws: `SandboxSetupError` when `value` holds no `name=value` pair.
    init(_ value: String) throws {
        let pairs = SessionCookie.pairs(in: value)
        guard !pairs.isEmpty else {
            throw SandboxSetupError("--cookie wants a Cookie header value such as session_cookie=sandbox")
        }
        self.value = value
        self.pairs = pairs
    }

    /// Whether `request` carries every pair of the session cookie.
    func isPresent(in request: Request) -> Bool {
        let sent = request.headers[values: .cookie].flatMap(SessionCookie.pairs(in:))
        return pairs.allSatisfy { pair in sent.contains { $0 == pair } }
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

/// Answers 401 to API calls without the session cookie.
struct SessionMiddleware<Context: RequestContext>: RouterMiddleware {
    let session: SessionCookie

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard session.isPresent(in: request) else { throw SandboxError.unauthenticated }
        return try await next(request, context)
    }
}
