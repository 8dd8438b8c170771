import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Gathers an answer into one array of bytes, sized by its `Content-Length`
/// when it has one: AsyncHTTPClient's `ResponseAccumulator` grows a buffer
/// by doubling and pxscript then copied it, so a 28 MB page briefly held
/// 60 MB. More than `maxBodySize` is refused as it arrives.
final class BodyCollector: HTTPClientResponseDelegate {
    struct Response {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    /// An answer larger than `maxBodySize`.
    struct TooBig: Error {}

    private struct State {
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var failure: (any Error)?
    }

    private let maxBodySize: Int
    private let state = Mutex(State())

    init(maxBodySize: Int) { self.maxBodySize = maxBodySize }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let announced = head.headers.first(name: "Content-Length").flatMap { Int($0) }
        if let announced, announced > maxBodySize {
            state.withLock { $0.failure = TooBig() }
            return task.eventLoop.makeFailedFuture(TooBig())
        }
        state.withLock {
            $0.head = head
            // What the server announces, never more than may be held: a lie costs at most the bound.
            if let announced, announced > 0 { $0.body.reserveCapacity(announced) }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLock { state -> Bool in
            guard state.failure == nil else { return false }
            guard state.body.count + buffer.readableBytes <= maxBodySize else {
                state.failure = TooBig()
                state.body = []
                return false
            }
            state.body.append(contentsOf: buffer.readableBytesView)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(TooBig())
    }

    func didReceiveError(task: HTTPClient.Task<Response>, _ error: any Error) {
        state.withLock { $0.failure = $0.failure ?? error }
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            guard let head = state.head else { throw TooBig() }
            // Handed over, not copied: the state lets go of its array.
            let body = state.body
            state.body = []
            return Response(status: head.status, headers: head.headers, body: body)
        }
    }
}
