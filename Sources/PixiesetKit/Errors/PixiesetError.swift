import PixiesetModels

/// Everything that can go wrong talking to the API, each case worded so a
/// photographer knows what to do. Texts never contain the session cookie:
/// anything that came from a server passes through `Redactor` first.
public enum PixiesetError: Error, Sendable, CustomStringConvertible {
    /// The API answered with an error body (`CONVERSATION_NOT_FOUND`, `ACCESS_DENIED`, …).
    case api(APIError)
    /// 401, 419, a login page or a redirect to one: the browser session is over.
    /// `origin` says where the cookie came from, for the fix.
    case sessionExpired(detail: String, origin: String? = nil)
    /// A write refused for its CSRF token while a read works (docs/spec.md §5, exit 78):
    /// the session is fine, the proof of origin is missing or stale.
    case csrfRefused(detail: String, hint: String)
    /// No connection could be made (DNS, refused, TLS) even after retries.
    case unreachable(host: String, detail: String)
    /// The service kept failing (429 or 5xx) until the attempts or the deadline ran out.
    case keptFailing(status: Int?, attempts: Int, detail: String)
    /// The answer was not what the API sends (not JSON, wrong shape).
    case malformedResponse(detail: String)
    /// The answer stopped before its end.
    case truncatedResponse(detail: String)
    /// An ID that is not of the API's shape; refused before any request.
    case invalidID(kind: ResourceID, id: String)
    /// A file refused before upload.
    case file(path: String, problem: String)
    /// A send whose outcome is unknown and could not be checked; it stays
    /// pending and must be reconciled before anything sends it again.
    case sendPending(conversationID: String, detail: String)
    /// A bad argument from the caller (a base URL that is not http(s), …).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .api(let error):
            return error.description
        case .sessionExpired(let detail, let origin):
            return "session expired (\(detail)): " + Self.renewal(origin: origin)
        case .csrfRefused(let detail, let hint):
            return "the studio refused the CSRF token of a write (\(detail)); reads work, so the session itself is fine. Fix: \(hint)"
        case .unreachable(let host, let detail):
            return "cannot reach \(host) (\(detail)); check the network connection and --base-url"
        case .keptFailing(let status, let attempts, let detail):
            let what = status.map { "answered \($0)" } ?? "failed"
            return "the Pixieset API \(what) \(attempts) time\(attempts == 1 ? "" : "s") in a row (\(detail)); try again later"
        case .malformedResponse(let detail):
            return "unexpected answer from the Pixieset API: \(detail)"
        case .truncatedResponse(let detail):
            return "the answer from the Pixieset API was cut short: \(detail)"
        case .invalidID(let kind, let id):
            return "'\(id.prefix(80))' is not a valid \(kind.noun) id (ids are 1 to \(ResourceID.maximumLength) letters, digits, '_' or '-', such as \(kind.prefix)A1B2C3)"
        case .file(let path, let problem):
            return "\(path): \(problem)"
        case .sendPending(let conversationID, let detail):
            return "a message to \(conversationID) may or may not have been sent (\(detail)); it stays pending and will be checked before any retry"
        case .invalidRequest(let detail):
            return detail
        }
    }
}

/// An error answer of the API with its own body: `code`, `status`,
/// `message` and extra fields such as `max_size`.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    /// `max_size` on `FILE_TOO_LARGE`.
    public let maxSize: Int?
    /// `details` (or Laravel's `errors`) as the server wrote them, secrets removed: per-field messages and the like.
    public let details: JSONFragment?

    public init(status: Int, code: String, message: String, maxSize: Int? = nil, details: JSONFragment? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.maxSize = maxSize
        self.details = details
    }

    public var description: String { "\(message) (\(code), HTTP \(status))" }
}

extension PixiesetError {
    /// How to give pxscript a working cookie, worded for where it came from.
    static func renewal(origin: String?) -> String {
        switch origin {
        case CookieSource.environmentName?:
            return "log in to Pixieset in your browser and set PIXIESET_COOKIE to the Cookie header it sends (`pxscript login --help` shows where to find it)"
        case let path?:
            return "log in to Pixieset in your browser, then run `pxscript login` to replace the cookie in \(path)"
        case nil:
            return "log in to Pixieset in your browser, then run `pxscript login` (or set PIXIESET_COOKIE)"
        }
    }
}

extension ResourceID {
    var noun: String {
        switch self {
        case .conversation: "conversation"
        case .message: "message"
        case .attachment: "attachment"
        case .client: "client"
        }
    }
}
