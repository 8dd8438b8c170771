import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PixiesetKit
import PixiesetModels
import StudioSandbox
import Synchronization
import TestSupport
import Testing

let testStart = Timestamp(parsing: "2026-03-01T09:00:00Z")!

/// The clock every test sandbox runs on. Sends are dated with the same clock
/// (`sandboxNow`), as the runtime dates them with PXSCRIPT_NOW's clock:
/// reconciliation compares the server's `sent_at` with the attempt's start.
let sandboxClock = StartingClock(start: testStart)

@Sendable func sandboxNow() -> Date { Date(timeIntervalSince1970: sandboxClock.now().secondsSince1970) }

/// A client on a fresh sandbox (port 0, temporary database) for one test.
func withClient<T>(
    faults: String? = nil, quirks: String? = nil, retry: RetryPolicy = .fast, cookie: String? = nil, csrfToken: String? = nil,
    logger: Logger = Logger(label: "test.client"), pauses: PauseLog = PauseLog(),
    _ body: (RunningSandbox, PixiesetClient) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.clock = sandboxClock
    if let faults { configuration.faults = try FaultPlan(parsing: faults) }
    if let quirks { configuration.quirks = try Quirks(parsing: quirks) }
    return try await StudioSandbox.withRunning(configuration) { sandbox in
        var api = APIConfiguration(
            baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: cookie ?? sandbox.cookie, csrfToken: csrfToken, retry: retry)
        // Retries and the second search wait on no real time: the sandbox answers at once.
        api.pause = pauses.pause
        return try await PixiesetClient.withClient(api, logger: logger) { client in try await body(sandbox, client) }
    }
}

/// A client pointed at any base URL (a test server, a closed port).
func withClient<T>(
    baseURL: String, cookie: String?, csrfToken: String? = nil, retry: RetryPolicy = .fast, _ body: (PixiesetClient) async throws -> T
) async throws -> T {
    var api = APIConfiguration(baseURL: try BaseURL(parsing: baseURL), cookie: cookie, csrfToken: csrfToken, retry: retry)
    api.pause = PauseLog().pause
    return try await PixiesetClient.withClient(api, body)
}

/// A loopback server that misbehaves in ways the sandbox does not: it
/// echoes request headers into error bodies, sends broken JSON, redirects.
func withMisbehavingServer<T>(_ body: (String) async throws -> T) async throws -> T {
    let router = Router()
    router.get("/api/v1/echo-error") { request, _ in
        let cookie = request.headers[.cookie] ?? ""
        return Response(
            status: .badRequest, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: .init(string: #"{"error":"bad request from cookie \#(cookie)","code":"ECHO \#(cookie)"}"#)))
    }
    router.get("/api/v1/echo-plain") { request, _ in
        Response(status: .internalServerError, headers: [.contentType: "text/plain"],
                 body: .init(byteBuffer: .init(string: "upstream said: Cookie: \(request.headers[.cookie] ?? "")")))
    }
    router.get("/api/v1/echo-location") { request, _ in
        Response(status: .found, headers: [.location: "/elsewhere?c=\(request.headers[.cookie] ?? "")"])
    }
    // Echoes that hide the cookie: cut at 300 bytes inside its value, re-encoded, or in data.
    router.get("/api/v1/echo-cut") { request, _ in
        let cookie = request.headers[.cookie] ?? ""
        return Response(status: .badRequest, headers: [.contentType: "text/plain"],
                        body: .init(byteBuffer: .init(string: String(repeating: "x", count: 273) + cookie)))
    }
    router.get("/api/v1/echo-encoded") { request, _ in
        let cookie = request.headers[.cookie] ?? ""
        let value = String(cookie.split(separator: ";")[0].split(separator: "=")[1])
        let forms = [
            Data(cookie.utf8).base64EncodedString(), Data(("ab" + value).utf8).base64EncodedString(),
            value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "", value.replacingOccurrences(of: "/", with: "\\/"),
        ]
        return Response(status: .badRequest, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: .init(string: #"{"error":"seen \#(forms.joined(separator: " "))","code":"ECHO"}"#)))
    }
    router.get("/api/v1/echo-data/") { request, _ in
        let cookie = request.headers[.cookie] ?? ""
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: .init(string: #"{"unread_count":1,"conversations_with_unread":1,"note":"\#(cookie)"}"#)))
    }
    // What a request carried, said without echoing any secret: which proofs came, and the plain headers.
    @Sendable func carried(_ request: Request, _ context: BasicRequestContext) -> Response {
        func has(_ name: String) -> Bool { HTTPField.Name(name).map { request.headers[$0] != nil } ?? false }
        let text = #"{"xsrf":\#(has("X-XSRF-TOKEN")),"csrf":\#(has("X-CSRF-Token")),"cookie":\#(has("Cookie")),"#
            + #""requested_with":"\#(request.headers[HTTPField.Name("X-Requested-With")!] ?? "")","user_agent":"\#(request.headers[.userAgent] ?? "")"}"#
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: text)))
    }
    router.get("/api/v1/carried", use: carried)
    router.post("/api/v1/carried", use: carried)
    // A refusal that echoes the tokens it was sent, as some frameworks' debug pages do.
    router.post("/api/v1/echo-tokens") { request, _ in
        let xsrf = request.headers[HTTPField.Name("X-XSRF-TOKEN")!] ?? "", csrf = request.headers[HTTPField.Name("X-CSRF-Token")!] ?? ""
        return Response(status: .init(code: 419), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: .init(string: #"{"message":"CSRF token mismatch: got \#(xsrf) and \#(csrf)"}"#)))
    }
    router.get("/api/v1/conversations/unread/count") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: .init(string: #"{"data":{"unread_count":0,"conversations_with_unread":0}}"#)))
    }
    // A studio where the session is over: a write gets 419, the confirming read 401.
    router.post("/api/v1/expired/conversation_messages") { _, _ in
        Response(status: .init(code: 419), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: .init(string: #"{"message":"Page Expired"}"#)))
    }
    router.get("/api/v1/expired/conversations/unread/count") { _, _ in
        Response(status: .unauthorized, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: .init(string: #"{"error":"Unauthorized","message":"Session expired or invalid"}"#)))
    }
    // An error whose details are large and one whose details are small.
    router.get("/api/v1/details/:size") { _, context in
        let size = Int(context.parameters.get("size") ?? "") ?? 10
        let text = #"{"error":{"code":"validation_failed","message":"Invalid","details":{"content":[""# + String(repeating: "x", count: size) + #""]}}}"#
        return Response(status: .unprocessableContent, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: text)))
    }
    router.get("/api/v1/login-redirect/") { _, _ in Response(status: .found, headers: [.location: "https://accounts.example/login?next=/"]) }
    router.get("/api/v1/not-json/") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{not json at all")))
    }
    router.get("/api/v1/truncated/") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"data":[{"id":"conv_A","subj"#)))
    }
    router.get("/api/v1/conversations/") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"items":[],"count":0}"#)))
    }
    router.get("/api/v1/status/:code") { _, context in
        let code = Int(context.parameters.get("code") ?? "") ?? 500
        return Response(status: .init(code: code), headers: [.contentType: "text/plain"], body: .init(byteBuffer: .init(string: "status \(code)")))
    }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "test.misbehaving")
    logger.logLevel = .critical
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        defer { group.cancelAll() }
        return try await body("http://127.0.0.1:\(port)/api/v1")
    }
}

/// A temporary directory removed when the test ends.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pxkit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// The PixiesetError a call throws, or a recorded issue.
func pixiesetError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> PixiesetError? {
    do {
        try await body()
        Issue.record("expected a PixiesetError", sourceLocation: sourceLocation)
        return nil
    } catch let error as PixiesetError {
        return error
    } catch {
        Issue.record("expected a PixiesetError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
