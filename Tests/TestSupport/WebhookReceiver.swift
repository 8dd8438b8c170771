import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A loopback webhook for notification tests: records each request, answers
/// with the statuses it is given (in order, then 200), and can hold its
/// answers until released (a target that hangs).
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let path: String
        public let headers: [String: String]
        public let body: String
    }

    /// Requests as they arrived, and those answered (with their status).
    public let arrived = Mutex<[Received]>([])
    public let answered = Mutex<[(Received, Int)]>([])
    private let statuses = Mutex<[Int]>([])
    private let holding = Mutex<(on: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// The next answers' statuses, in order.
    public func answer(_ codes: [Int]) { statuses.withLock { $0 += codes } }

    /// Holds every answer until `release` (requests still arrive).
    public func hold() { holding.withLock { $0.on = true } }

    public func release() {
        let waiters = holding.withLock { state in
            state.on = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The bodies of the requests answered 2xx, in order.
    public var delivered: [String] { answered.withLock { $0.filter { (200..<300).contains($0.1) }.map(\.0.body) } }

    fileprivate func handle(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let headers = Dictionary(request.headers.map { ($0.name.canonicalName.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        let received = Received(path: request.uri.path, headers: headers, body: body)
        arrived.withLock { $0.append(received) }
        await withCheckedContinuation { continuation in
            let held = holding.withLock { state in
                if state.on { state.waiters.append(continuation) }
                return state.on
            }
            if !held { continuation.resume() }
        }
        let status = statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
        answered.withLock { $0.append((received, status)) }
        return Response(status: .init(code: status), body: .init(byteBuffer: .init(string: "answer to \(request.uri.path)")))
    }

    /// Waits until `condition` holds (bounded only against a hang: `Patience`); false if it never did.
    public func wait(until condition: () -> Bool) async -> Bool {
        await Patience.wait(condition)
    }
}

/// A webhook receiver on a free loopback port for the duration of `body`, given its base URL.
public func withWebhook<T>(_ body: (WebhookReceiver, String) async throws -> T) async throws -> T {
    let receiver = WebhookReceiver()
    let router = Router()
    router.post("**") { request, _ in await receiver.handle(request) }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "test.webhook")
    logger.logLevel = .critical
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        defer {
            receiver.release()
            group.cancelAll()
        }
        return try await body(receiver, "http://127.0.0.1:\(port)")
    }
}
