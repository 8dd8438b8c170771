import Hummingbird
import HummingbirdCore
import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import PixiesetModels

/// The sandbox's router answering in this process: a request's bytes in, the answer's bytes out, as
/// the HTTP server writes them (its `Date` header from the sandbox's clock, `Server`,
/// `Content-Length`), with no socket between. The same router and middleware (faults, quirks, the
/// session) answer either way, so what a client sees does not change; only loopback round trips,
/// a connection pool and an event loop are left out. `pxscript test`, replays and the simulator
/// talk to it, so that a virtual month is CPU work.
public struct SandboxResponder: Sendable {
    let responder: RouterResponder<BasicRequestContext>
    let clock: any SandboxClock
    let logger: Logger
    /// What a request's context names as its channel: nothing reads from it.
    let channel = NIOAsyncTestingChannel()

    /// One answer, as the HTTP server would write it. `target` is the path and query (`/api/v1/...?page=2`).
    public func answer(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) async -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        if let body { fields[.contentLength] = String(body.count) }
        let head = HTTPRequest(method: HTTPRequest.Method(method) ?? .get, scheme: "http", authority: "127.0.0.1", path: target, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        let response = await SandboxServer.answer(request, on: channel, responder: responder, clock: clock, logger: logger)
        let gathered = Gathered()
        do {
            try await response.body.write(Gatherer(into: gathered))
        } catch {
            // A body that fails while written reaches a client cut short, as over HTTP.
        }
        var answerHeaders = response.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        if response.headers[.contentLength] == nil { answerHeaders.append((name: "content-length", value: String(gathered.bytes.count))) }
        return (Int(response.status.code), answerHeaders, gathered.bytes)
    }

    /// The bytes of one answer, gathered as they are written.
    private final class Gathered: @unchecked Sendable {
        // @unchecked: written by one writer, in order, then read once it finished.
        var bytes: [UInt8] = []
    }

    private struct Gatherer: ResponseBodyWriter {
        let into: Gathered

        mutating func write(_ buffer: ByteBuffer) async throws { into.bytes.append(contentsOf: buffer.readableBytesView) }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
