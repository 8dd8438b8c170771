import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PixiesetModels

/// A typed async client of the Conversations API (docs/spec.md §5, §6).
///
/// Reads are retried by the retry table; sends never blindly (see
/// `PixiesetClient+Send.swift`). The cookie goes to the API's own URLs only,
/// and nothing this client logs or throws contains it.
public struct PixiesetClient: Sendable {
    public let configuration: APIConfiguration
    /// Nil when the studio answers in this process (`configuration.inProcess`).
    let http: HTTPClient?
    let logger: Logger
    let redactor: Redactor
    /// The write proofs, read from the configuration once (not parsed again for every send).
    let csrf: CSRFTokens

    /// Runs `body` with a client whose connection pool is shut down when it returns.
    ///
    /// The client has one event loop of its own, and `body` runs on it as
    /// its task executor (child tasks too): the script's actor, the state's
    /// writes and the HTTP connections then share one thread, and a request
    /// and its answer cost no thread switch. `body` must not block for long.
    public static func withClient<T>(
        _ configuration: APIConfiguration, logger: Logger = Logger(label: "pxscript.api"),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PixiesetClient) async throws -> T
    ) async throws -> T {
        if configuration.inProcess != nil {
            // No connection, no event loop: the studio answers on the caller's own executor.
            let csrf = configuration.csrf
            return try await body(PixiesetClient(
                configuration: configuration, http: nil, logger: logger,
                redactor: Redactor(cookie: configuration.cookie, tokens: csrf.secrets), csrf: csrf))
        }
        var http = HTTPClient.Configuration()
        // Redirects are answers to classify (a login redirect means an expired session), not to follow.
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .init(configuration.connectTimeout), read: .init(configuration.requestTimeout))
        // A refused connection should come back as one failed attempt, for the
        // retry policy to count, not be retried inside the pool until the connect timeout.
        http.connectionPool.retryConnectionEstablishment = false
        // The watch daemon reads up to 16 changed conversations at once (Poller.concurrency),
        // and px.map up to 64 items: eight connections would queue the rest behind slow answers.
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        // Nothing here is traced; the default no-op tracer still opens a span per request.
        http.tracing.tracer = nil
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: http)
        let result: Result<T, any Error>
        do {
            result = .success(try await withTaskExecutorPreference(EventLoopExecutor(group.next()), isolation: isolation) {
                let csrf = configuration.csrf
                return try await body(PixiesetClient(
                    configuration: configuration, http: client, logger: logger,
                    redactor: Redactor(cookie: configuration.cookie, tokens: csrf.secrets), csrf: csrf))
            })
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        try? await group.shutdownGracefully()
        return try result.get()
    }

    /// Redacts the session cookie from `text` (for callers that print server text).
    public func redact(_ text: String) -> String { redactor.redact(text) }

    // MARK: Requests

    /// One request, as built by the typed calls or `pxscript api`.
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var url: String
        public var body: [UInt8]?

        public init(method: HTTPMethod, url: String, body: [UInt8]? = nil) {
            self.method = method
            self.url = url
            self.body = body
        }
    }

    /// Performs `request`, retrying by the retry table when `retrying`.
    /// - Throws: `PixiesetError` once retries are exhausted or on a final answer.
    public func perform(_ request: Request, retrying: Bool = true) async throws -> APIResponse {
        try await self.retrying("\(request.method) \(path(of: request.url))") { attempt in
            switch await attemptOnce(request) {
            case .success(let response):
                return .done(response)
            case .failure(let error):
                throw error
            case .csrfSuspect(let detail):
                throw await settleWriteRefusal(detail: detail)
            case .retryable(let reason, let retryAfter, _, let detail):
                guard retrying else { throw finalError(reason: reason, attempts: attempt, detail: detail) }
                return .again(reason: reason, retryAfter: retryAfter, detail: detail)
            }
        }
    }

    /// Decodes a JSON answer; a shape the API does not send is an error that
    /// says what came back.
    /// One decoder for every answer (it keeps no state between calls).
    private static let decoder = JSONDecoder()

    public func decode<T: Decodable>(_ type: T.Type, from response: APIResponse) throws -> T {
        if JSONSlices.tooManyValues(response.body) {
            throw PixiesetError.malformedResponse(detail: "an answer of \(response.body.count) bytes holding far more values than any answer of this API")
        }
        // A text that ends inside a string or with brackets open is no JSON: judged by a scan, not by
        // a decoder that would build the whole of a cut 30 MB answer before failing at its end.
        if Self.endsInsideJSON(response.body) {
            let detail = ResponseClassifier.snippet(response.body, redactor)
            let problem = Self.syntaxProblem(response.body)
            if problem?.atEnd == true {
                throw PixiesetError.truncatedResponse(detail: "got \(response.body.count) bytes: \(detail)")
            }
            throw PixiesetError.malformedResponse(detail: "\(problem.map(String.init(describing:)) ?? "not JSON") in \(detail)")
        }
        do {
            return try Self.decoder.decode(type, from: Data(response.body))
        } catch let error as DecodingError {
            let detail = ResponseClassifier.snippet(response.body, redactor)
            if response.body.isEmpty || Self.isCutShort(response.body) {
                throw PixiesetError.truncatedResponse(detail: "got \(response.body.count) bytes: \(detail)")
            }
            // Where the text itself is wrong (or nested deeper than any reader takes), the strict parser says so
            // precisely; Foundation's "not valid JSON" says neither.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let problem = Self.syntaxProblem(response.body) {
                throw PixiesetError.malformedResponse(detail: "\(problem) in \(detail)")
            }
            throw PixiesetError.malformedResponse(detail: "\(Self.describe(error)) in \(detail)")
        }
    }

    /// Whether a body that does not decode is a valid start of JSON that
    /// stops early (cut short) rather than wrong from the start: it ends
    /// inside a string or with brackets open, and the parser's complaint is
    /// the end of input. Should the parser's wording change, a cut body reads
    /// as malformed, which is still an error.
    /// Checked by a parser that builds nothing (`JSONChecker`): a cut answer costs no copy of itself.
    static func isCutShort(_ bytes: [UInt8]) -> Bool {
        endsInsideJSON(bytes) && syntaxProblem(bytes)?.atEnd == true
    }

    /// Why `bytes` is not JSON, nil when it is.
    static func syntaxProblem(_ bytes: [UInt8]) -> JSONSyntaxError? {
        do {
            try StrictJSON.parse(bytes, with: JSONChecker())
            return nil
        } catch {
            return error as? JSONSyntaxError
        }
    }

    static func endsInsideJSON(_ bytes: [UInt8]) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return inString || depth > 0
    }

    /// One attempt, classified; never throws.
    ///
    /// Made with AsyncHTTPClient's future-based `execute` on the client's own
    /// loop: the answer is gathered on the loop and handed over once, where
    /// the streaming `execute(_:timeout:)` starts a task of its own per
    /// request (a thread wake-up each, a third of a bulk run's switches).
    func attemptOnce(_ request: Request) async -> AttemptResult {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: PxscriptVersion.userAgent)
        // What the studio's own web app sends with its API calls; some back ends answer a
        // request without it with a login page instead of JSON.
        headers.add(name: "X-Requested-With", value: "XMLHttpRequest")
        let isWrite = CSRFTokens.isWrite(request.method)
        if configuration.baseURL.owns(request.url) {
            if let cookie = configuration.cookie { headers.add(name: "Cookie", value: cookie) }
            if isWrite { csrf.add(to: &headers) }
        }
        if request.body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let response: BodyCollector.Response
        let left = configuration.studioClock.localNow()
        do {
            response = try await exchange(request, headers: headers)
        } catch is BodyCollector.TooBig {
            return .failure(.malformedResponse(
                detail: "an answer larger than \(configuration.maxResponseBytes) bytes, more than a script may hold (--max-memory); ask for less at a time (page_size)"))
        } catch {
            return Self.classifyTransport(error, host: configuration.baseURL.origin, redactor: redactor)
        }
        if let date = response.headers.first(name: "Date") {
            configuration.studioClock.observe(dateHeader: date, left: left, arrived: configuration.studioClock.localNow())
        }
        let fields = response.headers.map { (name: $0.name, value: $0.value) }
        // The session's secrets never get past here, whatever the answer echoes:
        // not to scripts, not to output, not into an error (redacted before anything is cut).
        let body = redactor.redact(response.body)
        let result = ResponseClassifier.classify(
            APIResponse(status: Int(response.status.code), headers: fields, body: body), redactor: redactor, isWrite: isWrite,
            studioNow: configuration.studioClock.now())
        // A read answered with JSON cut short (a dropped connection inside a body it framed as whole, a proxy
        // that cut it) is read again, as a connection closed mid-answer is. A write's is not: its message is
        // looked for instead (reconciliation). `pxscript test --chaos` found reads failing on this.
        if !isWrite, case .success(let answer) = result, (200..<300).contains(answer.status), Self.isCutShort(answer.body) {
            return .retryable(
                reason: .cutShort, retryAfter: nil, written: true,
                detail: "got \(answer.body.count) bytes: \(ResponseClassifier.snippet(answer.body, redactor))")
        }
        switch result {
        case .csrfSuspect(let detail):
            return .failure(await settleWriteRefusal(detail: detail))
        case .failure(.sessionExpired(let detail, nil)):
            return .failure(.sessionExpired(detail: detail, origin: configuration.cookieOrigin))
        default:
            return result
        }
    }

    /// The request made and its answer gathered: over HTTP, or in process when the studio answers here.
    private func exchange(_ request: Request, headers: HTTPHeaders) async throws -> BodyCollector.Response {
        guard let http else { return try await InProcessExchange(configuration: configuration).exchange(request, headers: headers) }
        let outgoing = try HTTPClient.Request(url: request.url, method: request.method, headers: headers, body: request.body.map { .bytes($0) })
        let task = http.execute(
            request: outgoing, delegate: BodyCollector(maxBodySize: configuration.maxResponseBytes),
            eventLoop: .indifferent, deadline: .now() + .init(configuration.requestTimeout), logger: nil)
        return try await withTaskCancellationHandler {
            try await task.futureResult.get()
        } onCancel: {
            task.cancel()
        }
    }

    /// Tells a CSRF refusal from an expired session (docs/spec.md §6's retry table,
    /// decision 0011): one read, the unread count. If it works, the session
    /// is fine and the write's token was refused (exit 78); if it is refused
    /// too, the session expired (77). A read that fails otherwise leaves it
    /// at what the write showed: a refusal of its token.
    func settleWriteRefusal(detail: String) async -> PixiesetError {
        let hint = csrf.refusalHint(cookieOrigin: configuration.cookieOrigin)
        do {
            _ = try await unreadCount()
            return .csrfRefused(detail: detail, hint: hint)
        } catch let error as PixiesetError {
            if case .sessionExpired = error { return error }
            return .csrfRefused(detail: "\(detail); the read that would confirm the session failed too: \(error)", hint: hint)
        } catch {
            return .csrfRefused(detail: detail, hint: hint)
        }
    }

    /// Timeouts and resets are retried; no connection at all is retried and
    /// known to be unwritten (`TransportFailure`, by the error's type).
    static func classifyTransport(_ error: any Error, host: String, redactor: Redactor) -> AttemptResult {
        // Sent nowhere: no try can change that.
        if let elsewhere = error as? InProcessExchange.NotServed { return .failure(.invalidRequest(elsewhere.description)) }
        let text = redactor.redact(String(describing: error))
        guard let failure = TransportFailure.of(error) else { return .failure(.invalidRequest("invalid URL (\(text))")) }
        let detail =
            switch failure.reason {
            case .noConnection: "no connection (\(text))"
            case .timedOut: "timed out"
            case .cutShort: "the connection was closed mid-answer (\(text))"
            case .other, .status: text
            }
        return .retryable(reason: failure.reason, retryAfter: nil, written: failure.written, detail: detail)
    }

    /// The error for the last of the failed attempts, by what kind of failure it was.
    func finalError(reason: RetryReason, attempts: Int, detail: String) -> PixiesetError {
        switch reason {
        case .noConnection: .unreachable(host: configuration.baseURL.origin, detail: detail)
        case .cutShort: .truncatedResponse(detail: detail)
        case .status(let status): .keptFailing(status: status, attempts: attempts, detail: detail)
        case .timedOut, .other: .keptFailing(status: nil, attempts: attempts, detail: detail)
        }
    }

    func path(of url: String) -> String {
        url.hasPrefix(configuration.baseURL.origin) ? String(url.dropFirst(configuration.baseURL.origin.count)) : url
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at \(path(context.codingPath))"
        case .typeMismatch(_, let context): return "a value of another type at \(path(context.codingPath))"
        case .valueNotFound(_, let context): return "null at \(path(context.codingPath))"
        case .dataCorrupted(let context): return "unreadable data at \(path(context.codingPath)) (\(context.debugDescription))"
        @unknown default: return "unreadable data"
        }
    }
}
