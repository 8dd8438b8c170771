import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PixiesetModels

/// Builds JSON responses the way the API writes them.
enum JSONResponse {
    /// One encoder for the whole sandbox: JSONEncoder is safe to share once configured.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// A hot answer, written by `JSONWriter` (same bytes as `make`, faster).
    static func wire(_ value: some WireWritable, status: HTTPResponse.Status = .ok) -> Response {
        var writer = JSONWriter()
        value.write(to: &writer)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes))
        )
    }

    /// `{"data": value}`, the envelope of every successful answer.
    static func data<T: Codable & Sendable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        try make(Envelope(data: value), status: status)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
