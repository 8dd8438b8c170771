import AsyncHTTPClient
import NIOHTTP1

/// One request to a studio that answers in this process (`InProcessStudio`), bounded as over HTTP:
/// an answer later than the request's timeout is a timeout, one larger than the largest answer is
/// refused, and a URL the studio does not serve is not sent anywhere.
struct InProcessExchange {
    let configuration: APIConfiguration

    /// A URL outside the in-process studio's origin: nothing here can answer it.
    struct NotServed: Error, CustomStringConvertible {
        let url: String
        var description: String { "\(url) is not served by the studio in this process" }
    }

    func exchange(_ request: PixiesetClient.Request, headers: HTTPHeaders) async throws -> BodyCollector.Response {
        guard let studio = configuration.inProcess, request.url.hasPrefix(studio.origin + "/") else { throw NotServed(url: request.url) }
        let target = String(request.url.dropFirst(studio.origin.count))
        let fields = headers.map { (name: $0.name, value: $0.value) }
        let method = request.method.rawValue, body = request.body, timeout = configuration.requestTimeout
        let answer = try await withThrowingTaskGroup(of: (status: Int, headers: [(name: String, value: String)], body: [UInt8])?.self) { group in
            group.addTask { await studio.answer(method: method, target: target, headers: fields, body: body) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            // The first to end: the answer, or the timeout (nil).
            guard let first = try await group.next(), let answer = first else { throw HTTPClientError.deadlineExceeded }
            return answer
        }
        guard answer.body.count <= configuration.maxResponseBytes else { throw BodyCollector.TooBig() }
        var answerHeaders = HTTPHeaders()
        for (name, value) in answer.headers { answerHeaders.add(name: name, value: value) }
        return BodyCollector.Response(status: HTTPResponseStatus(statusCode: answer.status), headers: answerHeaders, body: answer.body)
    }
}
