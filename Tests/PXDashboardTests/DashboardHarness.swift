import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PixiesetKit
import PixiesetModels
import PXConfig
import PXDashboard
import PXRuntime
@testable import PXState
import ServiceLifecycle
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// A sandbox studio, a script with its state, and a dashboard on them, all in-process over loopback.
struct DashboardHarness {
    let sandbox: RunningSandbox
    let folder: URL
    let script: String
    let statePath: String
    let base: String
    let token: String
    let http: HTTPClient
    let log = LogCapture()

    static let testNow = "2026-03-01T09:00:00Z"
    static let webhook = "https://hooks.slack.com/services/T000/B000/XXXXwebhookSECRET"

    /// Runs `source` once as `pxscript run` would, against the sandbox, on the harness's state.
    @discardableResult
    func run(_ source: String, arguments: [String] = [], dryRun: Bool = false, notifier: Notifier = .recording) async throws -> PXRuntime.Summary {
        try source.write(toFile: script, atomically: true, encoding: .utf8)
        var options = RuntimeOptions(
            scriptPath: script, arguments: arguments, dryRun: dryRun, timeZone: TimeZone(identifier: "UTC")!,
            environment: ["PXSCRIPT_NOW": Self.testNow])
        options.notifier = notifier
        let state = try WorkingState(path: statePath, dryRun: dryRun)
        defer { state.close() }
        let clock = try RuntimeClock(environment: options.environment)
        var api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast)
        api.studioClock = clock.studio
        return try await PixiesetClient.withClient(api, logger: log.logger) { client in
            try await PXRuntime(options: options, client: client, store: state.store, clock: clock, logger: log.logger).run()
        }
    }

    /// An answer: status, headers, body.
    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: String
        var location: String? { headers.first(name: "Location") }
    }

    func request(_ method: HTTPMethod, _ path: String, cookie: String?, form: [String: String]? = nil, headers extra: [(String, String)] = [])
        async throws -> Answer
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: "pxscript_dashboard=\(cookie)") }
        for (name, value) in extra { request.headers.replaceOrAdd(name: name, value: value) }
        if let form {
            var parts = URLComponents()
            parts.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
            let body = (parts.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    func get(_ path: String, cookie: String?) async throws -> Answer { try await request(.GET, path, cookie: cookie) }

    /// Logs in with the token: the session cookie it sets.
    func login() async throws -> String {
        let answer = try await get("/?token=\(token)", cookie: nil)
        let header = try #require(answer.headers.first(name: "Set-Cookie"))
        return String(try #require(header.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last))
    }

    /// The CSRF token of a page's forms.
    func csrf(_ page: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }

    func studioMessages() throws -> [String] {
        try sandbox.database.allMessages().filter { $0.senderType == "photographer" }.map(\.content)
    }
}

/// A fresh harness for one test: the sandbox, a folder, a dashboard serving the script's state.
func withDashboard<T>(_ body: (DashboardHarness) async throws -> T) async throws -> T {
    var sandboxConfiguration = SandboxConfiguration()
    sandboxConfiguration.clock = StartingClock(start: Timestamp(parsing: DashboardHarness.testNow)!)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxdash-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await StudioSandbox.withRunning(sandboxConfiguration) { sandbox in
        let script = folder.appendingPathComponent("nudge.lua").path
        let statePath = folder.appendingPathComponent("nudge.sqlite").path
        var config = ConfigFile()
        config.cookie = sandbox.cookie
        config.notify = NotifyConfig(targets: [.webhook(url: DashboardHarness.webhook, format: .text)])
        let api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast)
        var configuration = Dashboard.Configuration(
            scripts: [Dashboard.Script(label: "nudge.lua", scriptPath: script, statePath: statePath)], api: { api }, config: config,
            clock: try RuntimeClock(environment: ["PXSCRIPT_NOW": DashboardHarness.testNow]), environment: ["PXSCRIPT_NOW": DashboardHarness.testNow])
        configuration.token = "test-token-0123456789abcdef"
        configuration.timeZone = TimeZone(identifier: "UTC")!
        let log = LogCapture()
        let dashboard = Dashboard(configuration, logger: log.logger)
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        let app = dashboard.application { continuation.yield($0) }
        var httpConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        httpConfiguration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let result: Result<T, any Error>
        do {
            result = .success(try await serve(app, addresses: addresses, http: http, sandbox: sandbox, folder: folder, script: script, statePath: statePath, body))
        } catch {
            result = .failure(error)
        }
        try? await http.shutdown()
        return try result.get()
    }
}

private func serve<T>(
    _ app: some ApplicationProtocol, addresses: AsyncStream<String>, http: HTTPClient, sandbox: RunningSandbox, folder: URL, script: String,
    statePath: String, _ body: (DashboardHarness) async throws -> T
) async throws -> T {
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = addresses.makeAsyncIterator()
            let address = try #require(await iterator.next())
            let base = String(address.prefix { $0 != "?" }.dropLast())
            defer { group.cancelAll() }
            return try await body(DashboardHarness(
                sandbox: sandbox, folder: folder, script: script, statePath: statePath, base: base, token: "test-token-0123456789abcdef", http: http))
        }
}
