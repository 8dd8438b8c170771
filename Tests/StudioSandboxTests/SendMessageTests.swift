import Foundation
import PixiesetModels
import StudioSandbox
import Testing

@Suite("POST /conversation_messages")
struct SendMessageTests {
    @Test("a send answers 201 with the message and moves the conversation's times")
    func send() async throws {
        try await withSandbox { _, wire in
            let before = try #require(try await wire.allConversations().last)
            let reply = try await wire.send(before.id, "See you Saturday! 📸")
            #expect(reply.status == 201)
            let message = try reply.decode(Envelope<Message>.self).data
            #expect(message.id.hasPrefix("msg_"))
            #expect(message.content == "See you Saturday! 📸")
            #expect(message.senderType == .photographer)
            #expect(message.conversationID == before.id)
            #expect(message.readAt == nil)
            #expect(message.sentAt.text.count == "2025-08-07T10:30:00.000000Z".count)
            let after = try await wire.conversation(before.id)
            #expect(after.lastMessageAt == message.sentAt)
            #expect(after.updatedAt == message.sentAt)
            #expect(after.messages?.last?.id == message.id)
            // It now leads the list.
            #expect(try await wire.allConversations().first?.id == before.id)
        }
    }

    @Test("an API send leaves the client's unread messages unread")
    func sendKeepsUnread() async throws {
        try await withSandbox { _, wire in
            let unread = try #require(try await wire.allConversations().first { ($0.unreadCount ?? 0) > 0 })
            _ = try await wire.send(unread.id, "Thanks, I'll get back to you soon.")
            #expect(try await wire.conversation(unread.id).unreadCount == unread.unreadCount)
        }
    }

    @Test("malformed and ill-typed bodies answer 400, nothing is written", arguments: [
        ("{bad json", "INVALID_JSON"),
        ("[]", "VALIDATION_ERROR"),
        ("", "INVALID_JSON"),
        (#"{"content":"hi"}"#, "VALIDATION_ERROR"),
        (#"{"conversation_id":5,"content":"hi"}"#, "VALIDATION_ERROR"),
        (#"{"conversation_id":"CONV","content":null}"#, "VALIDATION_ERROR"),
        (#"{"conversation_id":"CONV","content":"hi","attachment_ids":"att_1"}"#, "VALIDATION_ERROR"),
        (#"{"conversation_id":"CONV","content":"hi","attachment_ids":[1]}"#, "VALIDATION_ERROR"),
        (#"{"conversation_id":"CONV","content":"   "}"#, "VALIDATION_ERROR"),
        (#"{"conversation_id":"CONV","content":"hi","attachment_ids":["att_A","att_A"]}"#, "VALIDATION_ERROR"),
    ])
    func badBodies(body: String, code: String) async throws {
        try await withSandbox { sandbox, wire in
            let id = try #require(try await wire.allConversations().first?.id)
            let before = try sandbox.database.counts()
            let reply = try await wire.post("/api/v1/conversation_messages", json: body.replacingOccurrences(of: "CONV", with: id))
            #expect(reply.status == 400)
            #expect(reply.code == code)
            #expect(try sandbox.database.counts() == before)
        }
    }

    @Test("content over 20,000 characters is refused")
    func tooLong() async throws {
        try await withSandbox { _, wire in
            let id = try #require(try await wire.allConversations().first?.id)
            let reply = try await wire.send(id, String(repeating: "a", count: 20_001))
            #expect(reply.status == 400 && reply.code == "VALIDATION_ERROR")
        }
    }

    @Test("a body over 1 MiB answers 413 PAYLOAD_TOO_LARGE")
    func oversizedBody() async throws {
        try await withSandbox { sandbox, wire in
            let before = try sandbox.database.counts()
            let reply = try await wire.post(
                "/api/v1/conversation_messages", json: #"{"content":""# + String(repeating: "x", count: 1_100_000) + #""}"#)
            #expect(reply.status == 413)
            #expect(reply.code == "PAYLOAD_TOO_LARGE")
            #expect(try sandbox.database.counts() == before)
        }
    }

    @Test("unknown conversation 404, another studio's 403; nothing written")
    func wrongConversation() async throws {
        try await withSandbox { sandbox, wire in
            let before = try sandbox.database.counts()
            let missing = try await wire.send("conv_NOTHERE", "hello")
            #expect(missing.status == 404 && missing.code == "CONVERSATION_NOT_FOUND")
            let slashy = try await wire.send("../conversations", "hello")
            #expect(slashy.status == 404 && slashy.code == "CONVERSATION_NOT_FOUND")
            let other = try await wire.send(try await otherStudioConversation(sandbox), "hello")
            #expect(other.status == 403 && other.code == "ACCESS_DENIED")
            #expect(try sandbox.database.counts() == before)
        }
    }

    @Test("concurrent sends: every one stored once, none lost")
    func concurrentSends() async throws {
        try await withSandbox { sandbox, wire in
            let ids = try await wire.allConversations().prefix(5).map(\.id)
            let before = try sandbox.database.counts().messages
            let replies = try await withThrowingTaskGroup(of: Message.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let reply = try await wire.send(ids[index % ids.count], "bulk \(index)")
                        #expect(reply.status == 201)
                        return try reply.decode(Envelope<Message>.self).data
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(replies.map(\.id)).count == 60)
            let stored = try sandbox.database.allMessages().filter { $0.content.hasPrefix("bulk ") }
            #expect(stored.count == 60)
            #expect(Set(stored.map(\.content)) == Set((0..<60).map { "bulk \($0)" }))
            #expect(try sandbox.database.counts().messages == before + 60)
            for id in ids {
                let messages = try #require(try await wire.conversation(id).messages)
                #expect(Set(messages.map(\.sentAt)).count == messages.count, "times within a conversation are distinct")
            }
        }
    }
}
