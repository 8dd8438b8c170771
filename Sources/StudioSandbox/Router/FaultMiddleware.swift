import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// Applies the fault plan to API calls (docs/spec.md §7): latency, 503, 429 with
/// `Retry-After`, an expired session, and 502 after a send was stored.
struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let controls: SandboxControls

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        controls.noteAPIRequest()
        let isSend = request.method == .post && request.uri.path.hasSuffix("/conversation_messages")
        // `slow` is for one conversation's answer among many (`GET /conversations/{id}/`).
        let path = request.uri.path
        let isDetail = request.method == .get && path.hasPrefix("/api/v1/conversations/") && !path.hasSuffix("/conversations/")
            && !path.contains("/unread/")
        let decision = controls.decide(isSend: isSend, isDetail: isDetail)
        if decision.latency > .zero {
            // A stop ends the wait: a sandbox stopping does not hold its answers for the latency first.
            let latency = decision.latency
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: latency) }
            } catch where Task.isShuttingDownGracefully {
                // Stopping: answer now.
            }
        }
        switch decision.outcome {
        case .pass: break
        case .expire(.loginPage): return JSONResponse.html(LoginPage.html)
        case .expire(.redirect):
            return Response(status: .found, headers: [.location: "/login?expired=1"])
        case .error:
            throw SandboxError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", "Service temporarily unavailable, try again")
        case .throttle:
            var error = SandboxError(.tooManyRequests, code: "TOO_MANY_REQUESTS", "Too many requests, slow down")
            error.headers[.retryAfter] = String(decision.retryAfter)
            throw error
        }
        let response = try await next(request, context)
        if decision.errorAfterCommit && response.status.kind == .successful {
            // The message is stored; the client only learns "502" and must not send it again.
            return JSONResponse.html(LoginPage.badGateway, status: .badGateway)
        }
        if decision.garbled && response.status.kind == .successful {
            // The work is done; the answer arrives cut in half.
            let body = try await ResponseBytes.collect(response.body)
            return Response(
                status: response.status, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.prefix(body.count / 2))))
        }
        return response
    }
}

/// The HTML pages a browser session meets.
enum LoginPage {
    static let html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Log in | Pixieset</title></head>
        <body><form method="post" action="/login"><h1>Log in to Pixieset Studio</h1>
        <input type="email" name="email"><input type="password" name="password">
        <button type="submit">Log in</button></form></body></html>
        """

    static let badGateway = """
        <html><head><title>502 Bad Gateway</title></head>
        <body><center><h1>502 Bad Gateway</h1></center></body></html>
        """
}

/// A response body's bytes (the sandbox's answers are small, already in memory).
enum ResponseBytes {
    private final class Bytes: @unchecked Sendable {  // written by one writer within one `collect` call only
        var value: [UInt8] = []
    }

    private struct Collector: ResponseBodyWriter {
        let bytes: Bytes
        mutating func write(_ buffer: ByteBuffer) async throws { bytes.value += buffer.readableBytesView }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    static func collect(_ body: ResponseBody) async throws -> [UInt8] {
        let bytes = Bytes()
        try await body.write(Collector(bytes: bytes))
        return bytes.value
    }
}
