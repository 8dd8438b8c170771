import Foundation
import PixiesetModels

/// Why an attempt is worth repeating; it also decides the error reported
/// when the attempts run out.
enum RetryReason: Sendable, Hashable {
    /// 429, 500, 502, 503 or 504.
    case status(Int)
    /// No connection could be made: the request surely never left.
    case noConnection
    case timedOut
    /// The connection closed before the whole answer arrived.
    case cutShort
    /// Any other transport failure.
    case other

    var status: Int? {
        if case .status(let code) = self { return code }
        return nil
    }
}

/// What one attempt came to, by docs/spec.md §6's retry table.
enum AttemptResult: Sendable {
    case success(APIResponse)
    /// Worth another try: 429, 500, 502, 503, 504, a timeout or a reset.
    /// `written` is false only when the request surely never reached the
    /// server (no connection), which makes even a send safe to repeat.
    case retryable(reason: RetryReason, retryAfter: Duration?, written: Bool, detail: String)
    case failure(PixiesetError)
    /// A write refused the way a missing or stale CSRF token is (419, or a
    /// body that names the token): settled by one read (`PixiesetClient.settleWriteRefusal`).
    case csrfSuspect(detail: String)
}

/// Sorts answers into success, retry and failure.
enum ResponseClassifier {
    static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]
    /// The largest error body whose `details` reach scripts (64 KiB; its message and code always do).
    static let maxDetailsBody = 64 << 10

    /// - Parameter studioNow: the studio's time as measured so far, for a
    ///   `Retry-After` date in an answer without a `Date` header.
    /// - Parameter isWrite: a POST, PUT, PATCH or DELETE, which a refusal of its CSRF token can fail.
    static func classify(
        _ response: APIResponse, redactor: Redactor, isWrite: Bool = false, studioNow: @autoclosure () -> Date = Date()
    ) -> AttemptResult {
        let status = response.status
        if isWrite, let detail = csrfRefusal(response, redactor: redactor) { return .csrfSuspect(detail: detail) }
        switch status {
        case 200..<300:
            // A login page served with 200 is how an expired session looks in a browser.
            if response.isHTML { return .failure(.sessionExpired(detail: "the API answered with an HTML page")) }
            return .success(response)
        case 300..<400:
            let location = redactor.redact(response.header("Location") ?? "")
            if location.lowercased().contains("login") || location.lowercased().contains("signin") {
                return .failure(.sessionExpired(detail: "redirected to \(location)"))
            }
            return .failure(.malformedResponse(detail: "HTTP \(status) redirect to '\(location.prefix(200))'"))
        case 401, 419:
            return .failure(.sessionExpired(detail: "HTTP \(status)"))
        default:
            break
        }
        if retryableStatuses.contains(status) {
            return .retryable(
                reason: .status(status), retryAfter: retryAfter(response, studioNow: studioNow()), written: status != 429,
                detail: "HTTP \(status)")
        }
        // A body of millions of tiny values is no error body: never given to a decoder (it cost 26 times its size).
        if !JSONSlices.tooManyValues(response.body),
           let body = try? errorBodyDecoder(keepsDetails: response.body.count <= maxDetailsBody).decode(APIErrorBody.self, from: Data(response.body)) {
            return .failure(.api(APIError(
                status: status, code: redactor.redact(body.code ?? "HTTP_\(status)"), message: redactor.redact(body.error),
                maxSize: body.maxSize,
                // Details become a Lua table the host builds outside the script's memory cap: only a body
                // of an error's usual size keeps them (a 32 MiB one would be copied several times over).
                details: response.body.count <= maxDetailsBody ? body.details?.mapStrings(redactor.redact) : nil)))
        }
        if response.isHTML && (status == 403 || String(decoding: response.body.prefix(4096), as: UTF8.self).lowercased().contains("log in")) {
            return .failure(.sessionExpired(detail: "HTTP \(status) with a login page"))
        }
        return .failure(.malformedResponse(detail: "HTTP \(status) without an error body: \(snippet(response.body, redactor))"))
    }

    /// Why a write's answer looks like a CSRF refusal, or nil: Laravel answers
    /// a missing or stale token with 419 ("CSRF token mismatch."); other
    /// frameworks with 400, 403 or 422 and a body naming the token.
    static func csrfRefusal(_ response: APIResponse, redactor: Redactor) -> String? {
        let status = response.status
        guard status == 419 || status == 400 || status == 403 || status == 422 else { return nil }
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self).lowercased()
        let namesToken = text.contains("csrf") || text.contains("xsrf") || text.contains("authenticity token")
        guard status == 419 || namesToken else { return nil }
        return "HTTP \(status)" + (response.body.isEmpty ? "" : ": \(snippet(response.body, redactor))")
    }

    /// The wait an answer's `Retry-After` asks for, a date measured against
    /// the answer's own `Date` (both the studio's clock).
    static func retryAfter(_ response: APIResponse, studioNow: Date) -> Duration? {
        let written = response.header("Date").flatMap(HTTPDate.parse).map { Date(timeIntervalSince1970: Double($0)) }
        return RetryAfter.parse(response.header("Retry-After"), now: written ?? studioNow)
    }

    /// A decoder of error bodies; past `maxDetailsBody`, one that leaves their details unread.
    static func errorBodyDecoder(keepsDetails: Bool) -> JSONDecoder {
        let decoder = JSONDecoder()
        if !keepsDetails { decoder.userInfo[APIErrorBody.withoutDetails] = true }
        return decoder
    }

    /// The start of a body for an error message: the secrets removed first,
    /// then cut (cutting first could leave a secret's prefix that no longer
    /// matches). Only the start is read, with room for a secret that begins
    /// in it: a 30 MB answer is not copied to show 300 characters of it.
    static func snippet(_ body: [UInt8], _ redactor: Redactor) -> String {
        let start = body.prefix(300 * 4 + redactor.longestForm)
        let whole = redactor.redact(String(decoding: start, as: UTF8.self))
        let flat = String(whole.prefix(300).map { $0.isNewline ? " " : $0 })
        return "'" + flat + (whole.count > 300 || start.count < body.count ? "…" : "") + "'"
    }
}
