import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import Synchronization

/// A local, SQLite-backed Pixieset Studio speaking the Conversations API
/// (docs/spec.md §7). Tests, examples, benchmarks and `--sandbox` runs all use it.
public enum StudioSandbox {
    /// Runs a sandbox for the duration of `body`, then shuts it down and
    /// removes its temporary database (if it made one).
    ///
    /// The server listens on `configuration.host`/`port` (0 picks a free
    /// port); `body` receives the running sandbox with its URLs.
    public static func withRunning<T>(
        _ configuration: SandboxConfiguration, isolation: isolated (any Actor)? = #isolation,
        _ body: (RunningSandbox) async throws -> T
    ) async throws -> T {
        try await withPrepared(configuration) { prepared in
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = application(prepared, configuration) { port in continuation.yield(port) }
            let group = ServiceGroup(
                configuration: .init(services: [app], logger: configuration.logger))
            return try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    defer { continuation.finish() }
                    try await runListening(group, configuration)
                }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else {
                    try await tasks.waitForAll()
                    throw SandboxSetupError("the sandbox stopped before it was listening")
                }
                let running = prepared.running(port: port, configuration)
                do {
                    let result = try await body(running)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    return result
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    throw error
                }
            }
        }
    }

    /// Serves until SIGINT or SIGTERM (`pxscript sandbox serve`), calling
    /// `onReady` once the server listens.
    public static func serve(
        _ configuration: SandboxConfiguration, onReady: @escaping @Sendable (RunningSandbox) async -> Void
    ) async throws {
        try await withPrepared(configuration) { prepared in
            let app = application(prepared, configuration) { port in
                await onReady(prepared.running(port: port, configuration))
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: configuration.logger))
            try await runListening(group, configuration)
        }
    }

    /// Runs the server's group; a port that cannot be had is said in words, not as
    /// `bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)`.
    static func runListening(_ group: ServiceGroup, _ configuration: SandboxConfiguration) async throws {
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw SandboxSetupError(
                "port \(configuration.port) on \(configuration.host) is already in use (another sandbox?): stop it, "
                    + "or pick another port with --port (0 takes any free one)")
        } catch let error as IOError where error.errnoCode == EACCES {
            throw SandboxSetupError("port \(configuration.port) needs privileges: pick a port above 1023 with --port")
        }
    }

    /// Opens (creating and seeding when new) the database of `configuration`.
    /// The simulation commands with `--db` and `serve` share this.
    public static func openDatabase(_ configuration: SandboxConfiguration, path: String) throws -> SandboxDatabase {
        let database = try SandboxDatabase(path: path, clock: configuration.clock, create: true, idSeed: configuration.idSeed)
        if try database.isEmpty() {
            try DemoData.seed(configuration.seed, into: database, usernameIDs: configuration.quirks.contains(.usernameIDs))
        }
        return database
    }

    struct Prepared: Sendable {
        let database: SandboxDatabase
        let environment: SandboxEnvironment
        /// The router, served over HTTP and in process alike.
        let responder: RouterResponder<BasicRequestContext>

        func running(port: Int, _ configuration: SandboxConfiguration) -> RunningSandbox {
            let origin = "http://\(configuration.host):\(port)"
            environment.publicURL.set(origin)
            return RunningSandbox(
                port: port, origin: origin, cookie: environment.session.value, database: database,
                controls: environment.controls,
                inProcess: SandboxResponder(responder: responder, clock: configuration.clock, logger: configuration.logger))
        }
    }

    private static func withPrepared<T>(
        _ configuration: SandboxConfiguration, isolation: isolated (any Actor)? = #isolation, _ body: (Prepared) async throws -> T
    ) async throws -> T {
        guard ["127.0.0.1", "::1", "localhost"].contains(configuration.host) else {
            throw SandboxSetupError("the sandbox listens on loopback only (127.0.0.1 or ::1), not \(configuration.host)")
        }
        var temporaryDirectory: URL?
        let path: String
        if let given = configuration.databasePath {
            path = given
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-sandbox-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            temporaryDirectory = directory
            path = directory.appendingPathComponent("sandbox.sqlite").path
        }
        defer {
            if let temporaryDirectory { try? FileManager.default.removeItem(at: temporaryDirectory) }
        }
        let database = try openDatabase(configuration, path: path)
        defer { try? database.close() }
        let environment = SandboxEnvironment(
            database: database, controls: SandboxControls(faults: configuration.faults, quirks: configuration.quirks),
            signer: UploadSigner(), session: try SessionCookie(configuration.cookie, csrf: configuration.quirks.contains(.csrf)),
            publicURL: PublicOrigin("http://\(configuration.host):\(configuration.port)"))
        let responder = buildRouter(environment, logRequests: configuration.logRequests).buildResponder()
        return try await body(Prepared(database: database, environment: environment, responder: responder))
    }

    /// The one place the sandbox application is assembled.
    static func application(
        _ prepared: Prepared, _ configuration: SandboxConfiguration, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        SandboxServer(
            responder: prepared.responder, host: configuration.host, port: configuration.port,
            clock: configuration.clock, logger: configuration.logger, onRunning: onRunning)
    }

    static func buildRouter(_ environment: SandboxEnvironment, logRequests: Bool) -> Router<BasicRequestContext> {
        let router = Router()
        if logRequests {
            // Headers are not logged: the Cookie header must never reach a log.
            router.add(middleware: LogRequestsMiddleware(.info, includeHeaders: .none))
        }
        router.add(middleware: ErrorMiddleware(controls: environment.controls))
        router.add(middleware: MethodMiddleware())
        let api = router.group("api/v1")
            .add(middleware: FaultMiddleware(controls: environment.controls))
            .add(middleware: SessionMiddleware(session: environment.session, controls: environment.controls))
        APIRoutes.add(to: api, environment: environment)
        StorageRoutes.add(to: router, environment: environment)
        SimulationRoutes.add(to: router, environment: environment)
        return router
    }
}

/// A sandbox that is listening.
public struct RunningSandbox: Sendable {
    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public let origin: String
    /// The cookie the API accepts.
    public let cookie: String
    /// The data, for simulations and checks from tests.
    public let database: SandboxDatabase
    /// Faults, quirks and observations, changeable while it runs.
    public let controls: SandboxControls
    /// The same router, answering in this process without a socket.
    public let inProcess: SandboxResponder

    /// The API's base URL, `http://127.0.0.1:PORT/api/v1`.
    public var baseURL: String { origin + "/api/v1" }
}
