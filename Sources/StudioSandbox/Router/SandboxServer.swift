import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import PixiesetModels
import ServiceLifecycle

/// The sandbox's HTTP server: Hummingbird's HTTP/1 server and router, with
/// the `Date` header written from the sandbox's own clock.
///
/// Hummingbird's `Application` stamps every answer with the machine's time.
/// pxscript learns the studio's time from that header (decision 0009), so a
/// sandbox started with `PXSCRIPT_NOW`, or on a test's clock, must tell its
/// own time there, as a real studio tells its own.
struct SandboxServer: Service {
    let responder: RouterResponder<BasicRequestContext>
    let host: String
    let port: Int
    let clock: any SandboxClock
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    func run() async throws {
        let server = try HTTPServerBuilder.http1().buildServer(
            configuration: ServerConfiguration(address: .hostname(host, port: port), serverName: "StudioSandbox"),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { [responder, clock, logger] request, writer, channel in
            let response = await Self.answer(request, on: channel, responder: responder, clock: clock, logger: logger)
            try await writer.write(response: response.head, body: response.body)
        } onServerRunning: { [onRunning, port] channel in
            await onRunning(channel.localAddress?.port ?? port)
        }
        try await server.run()
    }

    /// The router's answer to `request`, as every client sees it, over HTTP or in process
    /// (`SandboxResponder`): an error is a 500, and `Date` is the sandbox's own clock.
    static func answer(
        _ request: Request, on channel: any Channel, responder: RouterResponder<BasicRequestContext>, clock: any SandboxClock, logger: Logger
    ) async -> Response {
        let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        var response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            response = Response(status: .internalServerError, body: .init())
        }
        response.headers[.date] = HTTPDate.format(secondsSince1970: clock.now().microseconds / 1_000_000)
        response.headers[.server] = "StudioSandbox"
        return response
    }
}
