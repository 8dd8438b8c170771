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

    /// `value` written with a field nested 600 levels deep and a number out of range in its `data`
    /// object (the quirk `hostile_details`).
    static func hostile(_ value: Envelope<Conversation>) -> Response {
        var writer = JSONWriter()
        value.data.write(to: &writer)
        return bytes(Array(#"{"data":"#.utf8) + poisoned(writer.bytes) + Array("}".utf8))
    }

    /// A list page whose entry for `id` is poisoned so (`hostile_details`): the page around it is fine.
    static func hostile(_ page: ConversationPage, poisoning id: String?) -> Response {
        var out = Array(#"{"data":["#.utf8)
        for (index, conversation) in page.data.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            var writer = JSONWriter()
            conversation.write(to: &writer)
            out += conversation.id == id ? poisoned(writer.bytes) : writer.bytes
        }
        out.append(UInt8(ascii: "]"))
        if let meta = page.meta {
            var writer = JSONWriter()
            meta.write(to: &writer)
            out += Array(#","meta":"#.utf8) + writer.bytes
        }
        return bytes(out + Array("}".utf8))
    }

    /// An object's bytes with the hostile fields first.
    static func poisoned(_ object: [UInt8]) -> [UInt8] {
        let field = #""metadata":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + #","unread_count_total":1e400,"#
        guard object.first == UInt8(ascii: "{") else { return object }
        return [UInt8(ascii: "{")] + Array(field.utf8) + object.dropFirst()
    }

    static func bytes(_ body: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
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
