import Foundation
import PixiesetModels
import StudioSandbox
import Testing

@Suite("GET /conversations/")
struct ConversationListTests {
    @Test("default page: 25 newest first, with meta")
    func defaultPage() async throws {
        try await withSandbox { _, wire in
            let page = try await wire.get("/api/v1/conversations/").decode(ConversationPage.self)
            let meta = try #require(page.meta)
            #expect(meta == PageMeta(currentPage: 1, perPage: 25, total: 40, lastPage: 2))
            #expect(page.data.count == 25)
            let times = page.data.compactMap(\.lastMessageAt)
            #expect(times.count == 25)
            #expect(times == times.sorted(by: >))
            #expect(page.data.allSatisfy { $0.messages == nil })
            #expect(page.data.allSatisfy { $0.client?.avatarColor != nil && $0.client?.name != nil })
        }
    }

    @Test("the path works with and without its trailing slash")
    func trailingSlash() async throws {
        try await withSandbox { _, wire in
            let withSlash = try await wire.get("/api/v1/conversations/")
            let withoutSlash = try await wire.get("/api/v1/conversations")
            #expect(withSlash.status == 200 && withoutSlash.status == 200)
        }
    }

    @Test("pages cover every conversation exactly once")
    func pagination() async throws {
        try await withSandbox { _, wire in
            var seen: [String] = []
            for page in 1...5 {
                let answer = try await wire.get("/api/v1/conversations/?page_size=9&page=\(page)").decode(ConversationPage.self)
                #expect(answer.meta?.lastPage == 5)
                seen += answer.data.map(\.id)
            }
            #expect(seen.count == 40)
            #expect(Set(seen).count == 40)
        }
    }

    @Test("a page past the end is empty, with the real total")
    func pastTheEnd() async throws {
        try await withSandbox { _, wire in
            let page = try await wire.get("/api/v1/conversations/?page=99").decode(ConversationPage.self)
            #expect(page.data.isEmpty)
            #expect(page.meta == PageMeta(currentPage: 99, perPage: 25, total: 40, lastPage: 2))
            let huge = try await wire.get("/api/v1/conversations/?page=9223372036854775807&page_size=100")
            #expect(huge.status == 200)
            #expect(try huge.decode(ConversationPage.self).data.isEmpty)
        }
    }

    @Test("page_size above 100 is clamped and reported in meta")
    func hugePageSize() async throws {
        try await withSandbox(seed: .scale(150)) { _, wire in
            let page = try await wire.get("/api/v1/conversations/?page_size=100000").decode(ConversationPage.self)
            #expect(page.meta?.perPage == 100)
            #expect(page.data.count == 100)
            #expect(page.meta?.lastPage == 2)
        }
    }

    @Test("bad parameters answer 400 INVALID_PARAMETER", arguments: [
        "page_size=0", "page_size=-5", "page=0", "page=abc", "page_size=1.5", "message=maybe", "message_status=spam",
        "page=99999999999999999999",
    ])
    func badParameters(query: String) async throws {
        try await withSandbox { _, wire in
            let reply = try await wire.get("/api/v1/conversations/?\(query)")
            #expect(reply.status == 400)
            #expect(reply.code == "INVALID_PARAMETER")
        }
    }

    @Test("client_id selects that client's conversations")
    func clientFilter() async throws {
        try await withSandbox { _, wire in
            let all = try await wire.allConversations()
            let clientID = try #require(all.first?.clientID)
            let expected = all.filter { $0.clientID == clientID }.map(\.id)
            let page = try await wire.get("/api/v1/conversations/?client_id=\(clientID)").decode(ConversationPage.self)
            #expect(page.data.map(\.id) == expected)
            #expect(page.meta?.total == expected.count)
            let none = try await wire.get("/api/v1/conversations/?client_id=cl_NOBODY").decode(ConversationPage.self)
            #expect(none.data.isEmpty && none.meta?.total == 0 && none.meta?.lastPage == 1)
        }
    }

    @Test("message_status: inbox leaves out archived; archived and unread select")
    func statusFilter() async throws {
        try await withSandbox { _, wire in
            let all = try await wire.allConversations()
            let inbox = try await wire.get("/api/v1/conversations/?message_status=inbox&page_size=100").decode(ConversationPage.self)
            let archived = try await wire.get("/api/v1/conversations/?message_status=archived").decode(ConversationPage.self)
            let unread = try await wire.get("/api/v1/conversations/?message_status=unread").decode(ConversationPage.self)
            #expect(archived.data.count == 1)
            #expect(archived.data.allSatisfy { $0.status == .archived })
            #expect(inbox.data.count == all.count - 1)
            #expect(inbox.data.allSatisfy { $0.status == .active })
            #expect(unread.data.map(\.id) == all.filter { ($0.unreadCount ?? 0) > 0 }.map(\.id))
            #expect(!unread.data.isEmpty)
        }
    }

    @Test("message=true includes each conversation's latest message")
    func includeMessages() async throws {
        try await withSandbox { _, wire in
            let page = try await wire.get("/api/v1/conversations/?message=true&page_size=5").decode(ConversationPage.self)
            for conversation in page.data {
                let messages = try #require(conversation.messages)
                #expect(messages.count == 1)
                #expect(messages.first?.sentAt == conversation.lastMessageAt)
                let full = try await wire.conversation(conversation.id)
                #expect(full.messages?.last?.id == messages.first?.id)
            }
        }
    }

    @Test("unread_count of the conversations adds up to the unread endpoint")
    func unreadConsistency() async throws {
        try await withSandbox { _, wire in
            let all = try await wire.allConversations()
            let count = try await wire.get("/api/v1/conversations/unread/count").decode(Envelope<UnreadCount>.self).data
            #expect(count.unreadCount == all.reduce(0) { $0 + ($1.unreadCount ?? 0) })
            #expect(count.conversationsWithUnread == all.filter { ($0.unreadCount ?? 0) > 0 }.count)
            #expect(count.unreadCount > 0)
        }
    }
}
