import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` when an API path exists but not for the
/// request's method, instead of the router's 404 (RFC 9110 §15.5.6).
struct MethodMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let segments = request.uri.path.split(separator: "/").map(String.init)
        guard segments.count > 2, segments[0] == "api", segments[1] == "v1" else { return try await next(request, context) }
        let rest = Array(segments.dropFirst(2))
        let matches = APIRouteTable.routes.filter { pattern, _ in
            pattern.count == rest.count && zip(pattern, rest).allSatisfy { $0 == "*" || $0 == $1 }
        }
        // The literal route wins over the `*` one (`unread/count` is not an id).
        guard let allowed = (matches.first { !$0.0.contains("*") } ?? matches.first)?.1,
              !allowed.contains(request.method)
        else { return try await next(request, context) }
        var error = SandboxError.methodNotAllowed
        error.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        throw error
    }
}

/// The API's paths (segments after `/api/v1`, `*` for an id) and their
/// methods, built once rather than on every request.
enum APIRouteTable {
    static let routes: [([String], [HTTPRequest.Method])] = [
        (["conversations"], [.get]),
        (["conversations", "unread", "count"], [.get]),
        (["conversations", "*"], [.get]),
        (["conversation_messages"], [.post]),
        (["conversation_message_attachments", "upload_url"], [.get]),
    ]
}
