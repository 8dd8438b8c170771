import Foundation
@testable import PixiesetKit
import PixiesetModels
import StudioSandbox
import TestSupport
import Testing

@Suite("Reading conversations")
struct ReadTests {
    @Test("list, detail and unread count against the sandbox")
    func reads() async throws {
        try await withClient { _, client in
            let page = try await client.conversations(page: 1, pageSize: 10)
            #expect(page.data.count == 10 && page.meta?.total == 40)
            let id = try #require(page.data.first?.id)
            let conversation = try await client.conversation(id)
            #expect(conversation.id == id && conversation.messages?.isEmpty == false)
            #expect(try await client.conversation(id, messages: false).messages == nil)
            let unread = try await client.unreadCount()
            #expect(unread.unreadCount > 0)
            let inbox = try await client.conversations(ConversationFilter(messageStatus: "inbox"), pageSize: 100)
            #expect(inbox.data.count == 39)
        }
    }

    @Test("API errors carry code, status and message; 403 is not an expired session")
    func apiErrors() async throws {
        try await withClient { sandbox, client in
            let missing = await pixiesetError { _ = try await client.conversation("conv_NOSUCHTHING") }
            guard case .api(let error) = missing else { Issue.record("\(String(describing: missing))"); return }
            #expect(error.code == "CONVERSATION_NOT_FOUND" && error.status == 404 && error.message == "Conversation not found")
            let other = try #require(try sandbox.database.conversationIDs(ofStudio: "st_OTHER").first)
            let denied = await pixiesetError { _ = try await client.conversation(other) }
            guard case .api(let deniedError) = denied else { Issue.record("\(String(describing: denied))"); return }
            #expect(deniedError.code == "ACCESS_DENIED" && deniedError.status == 403)
        }
    }

    @Test("ids that could reach another endpoint are refused before any request", arguments: [
        "../unread/count", "conv_A/../../x", "conv_A?x=1", "conv_A#x", "conv_%2F", "", "conv_A B", "conv_é", String(repeating: "A", count: 129),
    ])
    func badIDs(id: String) async throws {
        try await withClient(baseURL: "http://127.0.0.1:1/api/v1", cookie: "session_cookie=x") { client in
            let error = await pixiesetError { _ = try await client.conversation(id) }
            guard case .invalidID(.conversation, _) = error else { Issue.record("\(String(describing: error))"); return }
        }
    }

    @Test("reads are retried through 503s and 429s")
    func retries() async throws {
        let pauses = PauseLog()
        try await withClient(faults: "error=0.3,throttle=0.2,seed=3", pauses: pauses) { _, client in
            for _ in 0..<25 {
                #expect(try await client.unreadCount().unreadCount >= 0)
            }
            let all = try await client.allConversations(pageSize: 9).reduce(into: [String]()) { $0.append($1.id) }
            #expect(all.count == 40 && Set(all).count == 40)
        }
        // A 429's Retry-After (1 s) is honoured; a 503 waits the policy's backoff (at most 50 ms here).
        #expect(pauses.pauses.contains(.seconds(1)) && pauses.pauses.contains { $0 <= .milliseconds(50) }, "\(pauses.pauses)")
    }

    @Test("the tests' retry policy is bounded by its attempts, not by real time (a loaded machine took 20 s for one attempt)")
    func fastPolicyHasNoRealTimeBound() {
        #expect(RetryPolicy.fast.deadline >= .seconds(600))
        #expect(RetryPolicy.fast.maxAttempts >= 8)
    }

    @Test("a service that keeps failing ends in a clear error after the attempts")
    func keepsFailing() async throws {
        // A deadline no machine reaches: the bound under test is the attempts, never how fast the machine is.
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2), deadline: .seconds(3600))
        try await withClient(faults: "throttle=1,retry_after=0", retry: policy) { _, client in
            let error = await pixiesetError { _ = try await client.unreadCount() }
            guard case .keptFailing(429, 3, _) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(error?.description.contains("429") == true)
        }
    }

    @Test("nothing listening: unreachable, after retrying")
    func unreachable() async throws {
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), deadline: .seconds(10))
        try await withClient(baseURL: "http://127.0.0.1:1/api/v1", cookie: nil, retry: policy) { client in
            let error = await pixiesetError { _ = try await client.unreadCount() }
            guard case .unreachable = error else { Issue.record("\(String(describing: error))"); return }
        }
    }

    @Test("an HTML answer is known by its Content-Type in any case, or by how its body starts")
    func htmlAnswers() {
        func response(_ type: String?, _ body: String) -> APIResponse {
            APIResponse(status: 200, headers: type.map { [(name: "content-TYPE", value: $0)] } ?? [], body: Array(body.utf8))
        }
        #expect(response("Text/HTML; charset=UTF-8", "{}").isHTML)
        #expect(response("text/html", "").isHTML)
        #expect(response(nil, "  \n<!DOCTYPE html><p>Log in</p>").isHTML)
        #expect(response(nil, "<html>").isHTML)
        #expect(!response("application/json; charset=utf-8", #"{"data":"<html>"}"#).isHTML)
        #expect(!response("text/htm", "{}").isHTML)
        #expect(response("text/html", "").header("CONTENT-type") == "text/html")
        #expect(response("text/html", "").header("Content-Length") == nil)
    }

    @Test("expired sessions: login page, login redirect, 401 with a wrong cookie")
    func expired() async throws {
        let expected = "session expired (the API answered with an HTML page): log in to Pixieset in your browser, then run `pxscript login` (or set PIXIESET_COOKIE)"
        try await withClient(faults: "expire") { _, client in
            let error = await pixiesetError { _ = try await client.conversations() }
            guard case .sessionExpired = error else { Issue.record("\(String(describing: error))"); return }
            #expect(error?.description == expected)
        }
        try await withClient(faults: "expire=redirect") { _, client in
            let error = await pixiesetError { _ = try await client.unreadCount() }
            guard case .sessionExpired = error else { Issue.record("\(String(describing: error))"); return }
        }
        try await withClient(cookie: "session_cookie=stale") { _, client in
            let error = await pixiesetError { _ = try await client.unreadCount() }
            guard case .sessionExpired = error else { Issue.record("\(String(describing: error))"); return }
        }
    }

    @Test("tolerant of the plain_timestamps quirk")
    func plainTimestamps() async throws {
        try await withClient(quirks: "plain_timestamps") { _, client in
            let page = try await client.conversations(ConversationFilter(includeMessages: true), pageSize: 5)
            #expect(page.data.allSatisfy { $0.lastMessageAt?.text.hasSuffix("+00:00") == true })
        }
    }
}

@Suite("Pagination")
struct PaginationTests {
    @Test("every conversation once, also when conversations move during the scan")
    func moving() async throws {
        let log = LogCapture()
        try await withClient(logger: log.logger) { sandbox, client in
            let ids = try sandbox.database.conversationIDs(ofStudio: "st_HOME")
            var seen: [String] = []
            var moved = false
            for try await conversation in client.allConversations(pageSize: 5) {
                seen.append(conversation.id)
                if seen.count == 6 && !moved {
                    // Two conversations jump to the front mid-scan: one already seen, one not yet.
                    let notYet = try #require(ids.first { !seen.contains($0) && $0 != ids.last })
                    _ = try await sandbox.database.clientWritesIn(conversationID: notYet, content: "moved")
                    _ = try await sandbox.database.clientWritesIn(conversationID: seen[0], content: "moved too")
                    moved = true
                }
            }
            #expect(seen.count == 40)
            #expect(Set(seen) == Set(ids))
        }
        #expect(!log.all.contains { $0.contains("not newest-first") }, "an ordered list is trusted")
    }

    @Test("a list that is not newest-first is detected, warned about once, and read whole")
    func unordered() async throws {
        let log = LogCapture()
        try await withClient(quirks: "unordered", logger: log.logger) { sandbox, client in
            var seen: [String] = []
            for try await conversation in client.allConversations(pageSize: 7) {
                seen.append(conversation.id)
                if seen.count == 3 {
                    let last = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").last)
                    _ = try await sandbox.database.clientWritesIn(conversationID: last, content: "moved")
                }
            }
            #expect(seen.count == 40 && Set(seen).count == 40)
        }
        #expect(log.all.filter { $0.hasPrefix("warning") && $0.contains("not newest-first") }.count == 1)
    }
}
