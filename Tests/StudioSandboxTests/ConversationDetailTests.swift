import Foundation
import PixiesetModels
import StudioSandbox
import Testing

@Suite("GET /conversations/{id}/")
struct ConversationDetailTests {
    @Test("messages by default, in sent_at order, with both participants")
    func detail() async throws {
        try await withSandbox { _, wire in
            let id = try #require(try await wire.allConversations().first?.id)
            let reply = try await wire.get("/api/v1/conversations/\(id)/")
            #expect(reply.status == 200)
            let conversation = try reply.decode(Envelope<Conversation>.self).data
            let messages = try #require(conversation.messages)
            #expect(!messages.isEmpty)
            #expect(messages.map(\.sentAt) == messages.map(\.sentAt).sorted())
            #expect(conversation.createdAt != nil && conversation.updatedAt != nil)
            let participants = try #require(conversation.participants)
            #expect(participants.map(\.type) == [.client, .photographer])
            #expect(participants[0].avatarColor != nil)
            #expect(participants[1].avatarColor == nil)
            // read_at is written explicitly as null when unread.
            let raw = try #require(try reply.json()["data"] as? [String: Any])
            let rawMessages = try #require(raw["messages"] as? [[String: Any]])
            #expect(rawMessages.allSatisfy { $0.keys.contains("read_at") })
        }
    }

    @Test("messages=false leaves messages out")
    func withoutMessages() async throws {
        try await withSandbox { _, wire in
            let id = try #require(try await wire.allConversations().first?.id)
            let conversation = try await wire.get("/api/v1/conversations/\(id)/?messages=false").decode(Envelope<Conversation>.self).data
            #expect(conversation.messages == nil)
            #expect(conversation.id == id)
        }
    }

    @Test("unknown and malformed ids answer 404 CONVERSATION_NOT_FOUND", arguments: [
        "conv_DOESNOTEXIST", "conv_", "msg_ABC", "..", "conv_ABC%2F..%2F..", "conv_%00", "%2E%2E",
    ])
    func unknown(id: String) async throws {
        try await withSandbox { _, wire in
            let reply = try await wire.get("/api/v1/conversations/\(id)/")
            #expect(reply.status == 404)
            #expect(reply.code == "CONVERSATION_NOT_FOUND" || reply.code == "NOT_FOUND")
            #expect(try reply.json()["error"] is String)
        }
    }

    @Test("another studio's conversation answers 403 ACCESS_DENIED")
    func otherStudio() async throws {
        try await withSandbox { sandbox, wire in
            let id = try await otherStudioConversation(sandbox)
            let reply = try await wire.get("/api/v1/conversations/\(id)/")
            #expect(reply.status == 403)
            #expect(try reply.json() as NSDictionary == ["error": "Access denied to conversation", "code": "ACCESS_DENIED"])
            #expect(try await wire.allConversations().allSatisfy { $0.id != id })
        }
    }
}

/// The id of a conversation of the second studio in the demo data.
func otherStudioConversation(_ sandbox: RunningSandbox) async throws -> String {
    try #require(try sandbox.database.conversationIDs(ofStudio: "st_OTHER").first)
}
