import Foundation
import PixiesetKit
import NIOHTTP1
import PixiesetModels
import StudioSandbox
import Testing

/// What the real API's other documentation pages say beyond the seed (issue 16):
/// CSRF proofs on writes, error bodies of several shapes, ids with a username.
@Suite("The real API's shapes: CSRF, nested errors, username ids")
struct RealAPITests {
    static let xsrfCookie = "pixieset_session=s3ss10n-v4lue-77; XSRF-TOKEN=eyJpdiI6InRvay1hYmMifQ%3D%3D"

    @Test("writes carry X-XSRF-TOKEN (decoded) and X-CSRF-Token; reads carry neither; every request says X-Requested-With and pxscript's version")
    func proofs() async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base, cookie: Self.xsrfCookie, csrfToken: "given-token-123456") { client in
                let write = try await client.perform(.init(method: .POST, url: base + "/carried", body: Array("{}".utf8)))
                let read = try await client.perform(.init(method: .GET, url: base + "/carried"))
                let w = try #require(try JSONSerialization.jsonObject(with: Data(write.body)) as? [String: Any])
                let r = try #require(try JSONSerialization.jsonObject(with: Data(read.body)) as? [String: Any])
                #expect(w["xsrf"] as? Bool == true && w["csrf"] as? Bool == true && w["cookie"] as? Bool == true)
                #expect(r["xsrf"] as? Bool == false && r["csrf"] as? Bool == false && r["cookie"] as? Bool == true)
                for answer in [w, r] {
                    #expect(answer["requested_with"] as? String == "XMLHttpRequest")
                    #expect(answer["user_agent"] as? String == "pxscript/\(PxscriptVersion.current)")
                }
            }
            // Without an XSRF-TOKEN pair or a token, writes carry no proof at all.
            try await withClient(baseURL: base, cookie: "pixieset_session=only-this-123456") { client in
                let write = try await client.perform(.init(method: .POST, url: base + "/carried", body: Array("{}".utf8)))
                let w = try #require(try JSONSerialization.jsonObject(with: Data(write.body)) as? [String: Any])
                #expect(w["xsrf"] as? Bool == false && w["csrf"] as? Bool == false)
            }
        }
    }

    @Test("the XSRF token is the cookie pair's value, URL-decoded, whatever the pair's place or case")
    func xsrfFromCookie() {
        #expect(CSRFTokens.xsrfToken(inCookie: Self.xsrfCookie) == #"eyJpdiI6InRvay1hYmMifQ=="#)
        #expect(CSRFTokens.xsrfToken(inCookie: "xsrf-token=a%2Fb; s=1") == "a/b")
        #expect(CSRFTokens.xsrfToken(inCookie: "s=1; XSRF-TOKEN=") == nil)
        #expect(CSRFTokens.xsrfToken(inCookie: "s=1; MY-XSRF-TOKEN=x") == nil)
    }

    @Test("a refusal that echoes the tokens never shows them, in any form")
    func tokensRedacted() async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base, cookie: Self.xsrfCookie, csrfToken: "given-token-123456") { client in
                let error = await pixiesetError { _ = try await client.perform(.init(method: .POST, url: base + "/echo-tokens", body: [])) }
                let text = "\(String(describing: error))"
                guard case .csrfRefused? = error else { Issue.record("\(text)"); return }
                for secret in ["eyJpdiI6InRvay1hYmMifQ", "given-token-123456", "s3ss10n-v4lue-77"] { #expect(!text.contains(secret), "\(text)") }
            }
        }
    }

    @Test("against the csrf quirk: sends work with the XSRF pair or the token, and without either fail as a CSRF refusal (not an expiry)")
    func csrfQuirk() async throws {
        try await withClient(quirks: "csrf") { sandbox, client in
            #expect(sandbox.cookie.contains("XSRF-TOKEN="))
            let id = try #require(try await client.conversations().data.first?.id)
            _ = try await client.send(SendIntent(conversationID: id, content: "With the pair"), now: sandboxNow)
        }
        try await withClient(quirks: "csrf", cookie: "session_cookie=sandbox", csrfToken: #"eyJpdiI6InNhbmRib3gifQ=="#) { _, client in
            let id = try #require(try await client.conversations().data.first?.id)
            _ = try await client.send(SendIntent(conversationID: id, content: "With the token"), now: sandboxNow)
        }
        try await withClient(quirks: "csrf", cookie: "session_cookie=sandbox") { sandbox, client in
            let id = try #require(try await client.conversations().data.first?.id)
            let before = try sandbox.database.allMessages().count
            let error = await pixiesetError { _ = try await client.send(SendIntent(conversationID: id, content: "No proof"), now: sandboxNow) }
            guard case .csrfRefused(let detail, let hint)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(detail.contains("419") && hint.contains("XSRF-TOKEN"))
            #expect(error?.description.contains("reads work") == true)
            #expect(try sandbox.database.allMessages().count == before)
        }
        // A session the studio refuses is an expiry, write or read.
        try await withClient(quirks: "csrf", cookie: "session_cookie=gone") { _, client in
            let error = await pixiesetError { _ = try await client.send(SendIntent(conversationID: "conv_ABC", content: "x"), now: sandboxNow) }
            guard case .sessionExpired? = error else { Issue.record("\(String(describing: error))"); return }
        }
    }

    @Test("a 419 on a write whose confirming read is refused too is an expired session")
    func refusedEverywhere() async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base + "/expired", cookie: Self.xsrfCookie) { client in
                let error = await pixiesetError { _ = try await client.send(SendIntent(conversationID: "conv_ABC", content: "x"), now: sandboxNow) }
                guard case .sessionExpired? = error else { Issue.record("\(String(describing: error))"); return }
            }
        }
    }

    @Test("error bodies: the seed's, nested with details, a label and a message, Laravel's", arguments: [
        (#"{"error":"Conversation not found","code":"CONVERSATION_NOT_FOUND"}"#, "CONVERSATION_NOT_FOUND", "Conversation not found", nil),
        (#"{"error":{"code":"validation_failed","message":"Validation failed","details":{"content":["Content is required"]}}}"#,
         "validation_failed", "Validation failed", "content"),
        (#"{"error":"Invalid client ID format","message":"Client ID must start with 'cl_' prefix"}"#,
         "INVALID_CLIENT_ID_FORMAT", "Client ID must start with 'cl_' prefix", nil),
        (#"{"message":"The given data was invalid.","errors":{"content":["The content field is required."]}}"#,
         nil, "The given data was invalid.", "content"),
        (#"{"error":{"code":"invalid_id_format","message":"Invalid client ID format","details":{"expected_prefix":"cl_"}}}"#,
         "invalid_id_format", "Invalid client ID format", "expected_prefix"),
    ] as [(String, String?, String, String?)])
    func errorShapes(json: String, code: String?, message: String, detailKey: String?) throws {
        let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(json.utf8))
        #expect(body.code == code && body.error == message)
        if let detailKey {
            guard case .object(let members)? = body.details else { Issue.record("no details: \(body)"); return }
            #expect(members[detailKey] != nil)
        } else {
            #expect(body.details == nil)
        }
    }

    @Test("a body with no code, error or message is not an error body")
    func notAnErrorBody() {
        for json in [#"{"data":[]}"#, #"{"error":{"details":{}}}"#, "[]", #"{"status":"fail"}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(APIErrorBody.self, from: Data(json.utf8)) }
        }
    }

    @Test("against nested_errors: a validation error is a 422 API error with per-field details; not found keeps its code")
    func nestedQuirk() async throws {
        try await withClient(quirks: "nested_errors") { _, client in
            let id = try #require(try await client.conversations().data.first?.id)
            let invalid = await pixiesetError { _ = try await client.send(SendIntent(conversationID: id, content: ""), now: sandboxNow) }
            guard case .api(let error)? = invalid else { Issue.record("\(String(describing: invalid))"); return }
            #expect(error.status == 422 && error.code == "validation_failed")
            guard case .object(let details)? = error.details, case .array(let messages)? = details["content"] else {
                Issue.record("details: \(String(describing: error.details))"); return
            }
            #expect(messages.count == 1)
            let missing = await pixiesetError { _ = try await client.conversation("conv_NOSUCHTHING") }
            guard case .api(let notFound)? = missing else { Issue.record("\(String(describing: missing))"); return }
            #expect(notFound.status == 404 && notFound.code == "CONVERSATION_NOT_FOUND")
        }
    }

    @Test("against username_ids: ids like maplelight_k3j4h5g6f7d8 are listed, read and answered")
    func usernameIDs() async throws {
        try await withClient(quirks: "username_ids") { sandbox, client in
            let page = try await client.conversations()
            #expect(!page.data.isEmpty && page.data.allSatisfy { $0.id.hasPrefix("maplelight_") && !$0.id.hasPrefix("conv_") })
            let id = page.data[0].id
            let conversation = try await client.conversation(id)
            #expect(conversation.id == id && !(conversation.messages ?? []).isEmpty)
            let sent = try await client.send(SendIntent(conversationID: id, content: "Hello from a username id"), now: sandboxNow)
            #expect(sent.message.conversationID == id)
            // A new inquiry gets an id of the same shape.
            let inquiry = try await sandbox.database.inquiry(name: "Ada Ray", email: "ada@example.com", content: "Hi!")
            #expect(inquiry.conversationID?.hasPrefix("maplelight_") == true)
        }
    }

    @Test("an error's details reach the caller from a body of an error's usual size; a huge one keeps its code and message only")
    func boundedDetails() async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base, cookie: Self.xsrfCookie) { client in
                for (size, kept) in [(100, true), (200_000, false)] {
                    let error = await pixiesetError { _ = try await client.perform(.init(method: .GET, url: base + "/details/\(size)"), retrying: false) }
                    guard case .api(let body)? = error else { Issue.record("\(String(describing: error))"); continue }
                    #expect(body.code == "validation_failed" && body.message == "Invalid" && (body.details != nil) == kept, "\(size)")
                }
            }
        }
    }
}
