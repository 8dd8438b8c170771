import Foundation
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// Issue 27, class 3: messages say who wrote them in the docs' words, and
/// `event.first` is a new inquiry only.
@Suite("Messages: from, and event.first")
struct MessageFromTests {
    @Test("every message has from = client, studio or system beside the raw sender_type; px.send's result is from the studio")
    func fromField() async throws {
        try await withHarness { h in
            let messages = try h.messages()
            let system = try #require(messages.first { $0.senderType == "system" }, "the demo data has system notes")
            let values = try await h.values("""
                local seen = {}
                for _, m in ipairs(px.conversations.get("\(system.conversationID)").messages) do
                  seen[#seen + 1] = m.sender_type .. ">" .. m.from
                end
                local sent = px.send("\(system.conversationID)", "Thanks for the payment!")
                seen[#seen + 1] = "sent>" .. sent.from
                return table.concat(seen, " ")
                """)
            let pairs = Set((values.first ?? "").split(separator: " ").map(String.init))
            #expect(pairs.contains("system>system") && pairs.contains("sent>studio"), "\(pairs)")
            #expect(pairs.allSatisfy { ["client>client", "photographer>studio", "system>system", "sent>studio"].contains($0) }, "\(pairs)")
        }
    }

    @Test("event.first is true for a new inquiry only, not for a client answering the studio's first message")
    func firstIsANewInquiry() async throws {
        try await withWatch { w in
            try await w.daemon("""
                px.on("message", function(event)
                  event:reply(event.first and "first" or "not first")
                end)
                """) { loop in
                _ = await loop.cycle()
                // The photographer wrote first (after a phone call); the client answers.
                let called = try await w.sandbox.database.openConversation(name: "Phone Caller", email: "caller@example.com")
                _ = try await w.sandbox.database.studioReplies(conversationID: called, content: "Lovely to talk today! Here are my dates.")
                _ = try await w.sandbox.database.clientWritesIn(conversationID: called, content: "Thanks, June 14th works.")
                // A new inquiry: nobody wrote before it.
                let inquiry = try await w.sandbox.database.inquiry(name: "New Client", email: "new@example.com", content: "Are you free in May?")
                _ = await loop.cycle()
                #expect(try w.studioMessages(in: called).contains("not first"))
                #expect(try w.studioMessages(in: try #require(inquiry.conversationID)).contains("first"))
            }
        }
    }
}
