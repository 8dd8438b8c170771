import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PixiesetKit
import PXConfig

/// Delivers one notice to one target, once: a webhook by HTTP POST, a
/// command with the text on standard input. The courier decides about
/// tries; this says only whether one worked, and why not.
public struct NoticeSender: Sendable {
    let http: HTTPClient
    /// The longest a webhook or a command may take.
    public var timeout: Int

    /// Redirects are not followed: a webhook that moves would take its secret path along.
    public init(timeout: Int = 10) {
        self.timeout = timeout
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(Int64(timeout)), read: .seconds(Int64(timeout)))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// One try.
    /// - Throws: `NotifyError`, never naming the URL.
    public func deliver(_ notice: Notice, to target: NoticeTarget) async throws(NotifyError) {
        switch target.target {
        case .webhook(let url, let format):
            try await post(NoticePayload(notice, format: format), to: url)
        case .command(let words):
            try await NoticeCommand(words: words, timeout: timeout).run(input: notice.plainText)
        }
    }

    private func post(_ payload: NoticePayload, to url: String) async throws(NotifyError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: payload.contentType)
        request.headers.add(name: "User-Agent", value: "pxscript")
        for (name, value) in payload.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: payload.body))
        let status: UInt
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(timeout)))
            status = response.status.code
            // The body is read (at most 64 KiB) and dropped: an answer is not the photographer's to see.
            _ = try? await response.body.collect(upTo: 1 << 16)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw .timedOut(seconds: timeout)
        } catch {
            // The error's own words may quote the URL: only its kind is kept.
            throw .unreachable(Self.kind(of: error))
        }
        guard (200..<300).contains(status) else { throw .status(Int(status)) }
    }

    /// A short name for a transport error that cannot carry the URL (by its type).
    static func kind(of error: any Error) -> String { TransportFailure.name(of: error) }
}
