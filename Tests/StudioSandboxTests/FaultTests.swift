import Foundation
import NIOCore
import NIOHTTP1
import PixiesetModels
import StudioSandbox
import Testing

@Suite("Faults and quirks")
struct FaultTests {
    @Test("error=1: every call answers 503 with a JSON body")
    func errors() async throws {
        try await withSandbox(faults: "error=1") { _, wire in
            let reply = try await wire.get("/api/v1/conversations/")
            #expect(reply.status == 503)
            #expect(reply.code == "SERVICE_UNAVAILABLE")
        }
    }

    @Test("throttle=1: 429 with Retry-After")
    func throttle() async throws {
        try await withSandbox(faults: "throttle=1,retry_after=3") { _, wire in
            let reply = try await wire.get("/api/v1/conversations/unread/count")
            #expect(reply.status == 429)
            #expect(reply.code == "TOO_MANY_REQUESTS")
            #expect(reply.headers.first(name: "Retry-After") == "3")
        }
    }

    @Test("expire: an HTML login page for every call, or a redirect to one")
    func expire() async throws {
        try await withSandbox(faults: "expire") { sandbox, wire in
            let reply = try await wire.get("/api/v1/conversations/")
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
            #expect(reply.text.contains("Log in"))
            sandbox.controls.setFaults(try FaultPlan(parsing: "expire=redirect"))
            let redirect = try await wire.get("/api/v1/conversations/unread/count")
            // AsyncHTTPClient follows the redirect to the login page.
            #expect(redirect.text.contains("Log in") || redirect.status == 302)
        }
    }

    @Test("error_after_commit=1: the send is stored, the answer is 502")
    func errorAfterCommit() async throws {
        try await withSandbox(faults: "error_after_commit=1") { sandbox, wire in
            let id = try #require(try await wire.allConversations().first?.id)
            let reply = try await wire.send(id, "Only once, please")
            #expect(reply.status == 502)
            let stored = try sandbox.database.allMessages().filter { $0.content == "Only once, please" }
            #expect(stored.count == 1)
            #expect(try await wire.conversation(id).messages?.last?.content == "Only once, please")
        }
    }

    @Test("latency delays answers (no answer before it has passed) but does not change them")
    func latency() async throws {
        try await withSandbox(faults: "latency=2s") { sandbox, wire in
            // 2 s of latency cannot be answered within 300 ms: a lower bound, not a measured timing.
            await #expect(throws: (any Error).self) {
                _ = try await wire.get("/api/v1/conversations/unread/count", timeout: .milliseconds(300))
            }
            sandbox.controls.setFaults(try FaultPlan(parsing: "latency=5ms"))
            let reply = try await wire.get("/api/v1/conversations/")
            #expect(reply.status == 200)
            #expect(try reply.decode(ConversationPage.self).data.count == 25)
        }
    }

    @Test("the same seed gives the same faults in the same order")
    func repeatable() async throws {
        func statuses() async throws -> [Int] {
            try await withSandbox(faults: "error=0.3,throttle=0.3,seed=11") { _, wire in
                var out: [Int] = []
                for _ in 0..<30 { out.append(try await wire.get("/api/v1/conversations/unread/count").status) }
                return out
            }
        }
        let first = try await statuses(), second = try await statuses()
        #expect(first == second)
        #expect(Set(first) == [200, 429, 503])
    }

    @Test("faults never touch the simulation endpoints, and can be changed while running")
    func changeWhileRunning() async throws {
        try await withSandbox(faults: "error=1") { sandbox, wire in
            #expect(try await wire.get("/_sandbox/health").status == 200)
            let set = try await wire.put("/_sandbox/faults", json: #"{"spec":"none"}"#)
            #expect(set.status == 400, "none is not a fault name")
            #expect(try await wire.put("/_sandbox/faults", json: #"{"spec":""}"#).status == 200)
            #expect(try await wire.get("/api/v1/conversations/").status == 200)
            #expect(sandbox.controls.faults == .none)
        }
    }

    @Test("fault and quirk specs are parsed strictly", arguments: [
        "error=2", "error=x", "throttle", "latency=fast", "bogus=1", "expire=sometimes", "seed=-1", "latency=100s",
    ])
    func badSpecs(spec: String) {
        #expect(throws: SandboxSetupError.self) { try FaultPlan(parsing: spec) }
    }

    @Test("quirk names are checked")
    func quirkNames() throws {
        #expect(try Quirks(parsing: "mark_read_on_get,unordered") == [.markReadOnGet, .unordered])
        #expect(throws: SandboxSetupError.self) { try Quirks(parsing: "sometimes_slow") }
    }

    @Test("quirk mark_read_on_get: opening a conversation reads it")
    func markReadOnGet() async throws {
        try await withSandbox(quirks: "mark_read_on_get") { _, wire in
            let unread = try #require(try await wire.allConversations().first { ($0.unreadCount ?? 0) > 0 })
            let opened = try await wire.conversation(unread.id)
            #expect(opened.unreadCount == 0)
            #expect(opened.messages?.allSatisfy { $0.senderType != .client || $0.readAt != nil } == true)
        }
    }

    @Test("without the quirk, opening a conversation leaves it unread")
    func noMarkReadOnGet() async throws {
        try await withSandbox { _, wire in
            let unread = try #require(try await wire.allConversations().first { ($0.unreadCount ?? 0) > 0 })
            _ = try await wire.conversation(unread.id)
            #expect(try await wire.conversation(unread.id).unreadCount == unread.unreadCount)
        }
    }

    @Test("quirk unordered: the list is not in last_message_at order")
    func unordered() async throws {
        try await withSandbox(quirks: "unordered") { _, wire in
            let times = try await wire.allConversations().compactMap(\.lastMessageAt)
            #expect(times.count == 40)
            #expect(times != times.sorted(by: >))
        }
    }

    @Test("quirk plain_timestamps: whole seconds with +00:00")
    func plainTimestamps() async throws {
        try await withSandbox(quirks: "plain_timestamps") { _, wire in
            let reply = try await wire.get("/api/v1/conversations/?page_size=1")
            let first = try #require((try reply.json()["data"] as? [[String: Any]])?.first)
            let text = try #require(first["last_message_at"] as? String)
            #expect(text.hasSuffix("+00:00") && !text.contains("."))
            #expect(try reply.decode(ConversationPage.self).data.first?.lastMessageAt != nil)
        }
    }
}

@Suite("Session cookie")
struct SessionTests {
    @Test("no cookie or a wrong one: 401 with a JSON body, on every endpoint", arguments: [
        "/api/v1/conversations/", "/api/v1/conversations/unread/count", "/api/v1/conversations/conv_ABC/",
        "/api/v1/conversation_message_attachments/upload_url?filename=a.pdf&content_type=application/pdf&file_size=1",
    ])
    func unauthenticated(path: String) async throws {
        try await withSandbox { _, wire in
            let none = try await wire.get(path, withCookie: false)
            #expect(none.status == 401 && none.code == "UNAUTHENTICATED")
            let wrong = try await wire.get(path, cookie: "session_cookie=stolen")
            #expect(wrong.status == 401 && wrong.code == "UNAUTHENTICATED")
            let post = try await wire.post("/api/v1/conversation_messages", json: "{}", withCookie: false)
            #expect(post.status == 401)
        }
    }

    @Test("a multi-pair cookie is matched pair by pair, among other cookies")
    func browserCookie() async throws {
        try await withSandbox(cookie: "remember_web=abc; pixieset_session=s3cr3t; XSRF-TOKEN=tok") { _, wire in
            let full = try await wire.get("/api/v1/conversations/", cookie: "_ga=GA1.2; pixieset_session=s3cr3t; remember_web=abc")
            let partial = try await wire.get("/api/v1/conversations/", cookie: "pixieset_session=s3cr3t")
            #expect(full.status == 200 && partial.status == 401)
            // The XSRF-TOKEN pair is the CSRF token, not part of the session: a read without it is fine.
            #expect(full.status == 200)
        }
    }

    @Test("a known path with another method answers 405 with Allow")
    func methodNotAllowed() async throws {
        try await withSandbox { _, wire in
            let put = try await wire.send(.PUT, "/api/v1/conversations/", body: Data("{}".utf8), contentType: "application/json", cookie: nil)
            #expect(put.status == 405 && put.code == "METHOD_NOT_ALLOWED")
            #expect(put.headers.first(name: "Allow") == "GET")
            let get = try await wire.get("/api/v1/conversation_messages")
            #expect(get.status == 405 && get.headers.first(name: "Allow") == "POST")
            let count = try await wire.send(.DELETE, "/api/v1/conversations/unread/count", body: nil, contentType: nil, cookie: nil)
            #expect(count.headers.first(name: "Allow") == "GET")
        }
    }

    @Test("unknown endpoints answer a JSON 404")
    func unknownEndpoint() async throws {
        try await withSandbox { _, wire in
            let reply = try await wire.get("/api/v1/invoices/")
            #expect(reply.status == 404)
            #expect(reply.code == "NOT_FOUND" || reply.code == "UNAUTHENTICATED")
            let outside = try await wire.get("/nothing/here")
            #expect(outside.status == 404 && outside.code == "NOT_FOUND")
        }
    }
}
