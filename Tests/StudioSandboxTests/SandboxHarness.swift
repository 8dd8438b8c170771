import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PixiesetModels
import StudioSandbox
import Testing

/// The clock every test starts from, so demo data is the same in each.
let testStart = Timestamp(parsing: "2026-03-01T09:00:00Z")!

/// A sandbox on port 0 with a fresh temporary database, for one test.
func withSandbox<T>(
    seed: SandboxConfiguration.Seed = .demo, faults: String? = nil, quirks: String? = nil,
    cookie: String = "session_cookie=sandbox", clock: (any SandboxClock)? = nil,
    _ body: (RunningSandbox, Wire) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.seed = seed
    configuration.cookie = cookie
    configuration.clock = clock ?? StartingClock(start: testStart)
    if let faults { configuration.faults = try FaultPlan(parsing: faults) }
    if let quirks { configuration.quirks = try Quirks(parsing: quirks) }
    return try await StudioSandbox.withRunning(configuration) { sandbox in
        try await body(sandbox, Wire(sandbox: sandbox))
    }
}

/// A reply as the wire carried it.
struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(text)")
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: body)
    }

    /// The `code` of an API error body.
    var code: String? { (try? JSONDecoder().decode(APIErrorBody.self, from: body))?.code }
}

/// Raw HTTP against a running sandbox, with or without its cookie.
struct Wire {
    let sandbox: RunningSandbox

    func get(_ path: String, cookie: String? = nil, withCookie: Bool = true, timeout: TimeAmount = .seconds(60)) async throws -> Reply {
        try await send(.GET, path, body: nil, contentType: nil, cookie: withCookie ? cookie ?? sandbox.cookie : nil, timeout: timeout)
    }

    func post(_ path: String, json: String, withCookie: Bool = true) async throws -> Reply {
        try await send(.POST, path, body: Data(json.utf8), contentType: "application/json", cookie: withCookie ? sandbox.cookie : nil)
    }

    func put(_ path: String, json: String) async throws -> Reply {
        try await send(.PUT, path, body: Data(json.utf8), contentType: "application/json", cookie: nil)
    }

    /// `path` below the origin (`/api/v1/…`, `/_sandbox/…`) or a full URL.
    func send(
        _ method: HTTPMethod, _ path: String, body: Data?, contentType: String?, cookie: String?, timeout: TimeAmount = .seconds(60)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : sandbox.origin + path)
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// Every conversation of the home studio, all pages.
    func allConversations() async throws -> [Conversation] {
        try await get("/api/v1/conversations/?page_size=100").decode(ConversationPage.self).data
    }

    func conversation(_ id: String) async throws -> Conversation {
        try await get("/api/v1/conversations/\(id)/").decode(Envelope<Conversation>.self).data
    }

    func send(_ conversationID: String, _ content: String, attachments: [String] = []) async throws -> Reply {
        let ids = attachments.map { "\"\($0)\"" }.joined(separator: ",")
        return try await post(
            "/api/v1/conversation_messages",
            json: #"{"conversation_id":"\#(conversationID)","content":"\#(content)","attachment_ids":[\#(ids)]}"#)
    }
}

/// A multipart/form-data body with the fields in order and the file where asked.
func multipartBody(fields: [UploadField], file: Data?, fileName: String = "file.pdf", boundary: String = "pxscriptBoundary42") -> Data {
    var body = Data()
    func part(_ name: String, _ value: Data, filename: String? = nil) {
        body.append(Data("--\(boundary)\r\n".utf8))
        var disposition = "Content-Disposition: form-data; name=\"\(name)\""
        if let filename { disposition += "; filename=\"\(filename)\"" }
        body.append(Data("\(disposition)\r\n\r\n".utf8))
        body.append(value)
        body.append(Data("\r\n".utf8))
    }
    for field in fields { part(field.name, Data(field.value.utf8)) }
    if let file { part("file", file, filename: fileName) }
    body.append(Data("--\(boundary)--\r\n".utf8))
    return body
}

/// A temporary directory that is removed when the test ends.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}
