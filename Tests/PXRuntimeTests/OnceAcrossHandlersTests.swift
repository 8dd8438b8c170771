import Foundation
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

/// docs/spec.md §4 "px.once and px.store across handlers": a key taken by a handler
/// still running is taken for every other handler; released if it fails.
@Suite("px.once and px.store across concurrent handlers")
struct OnceAcrossHandlersTests {
    /// Acknowledges each client once a week; the pause makes the two
    /// handlers overlap, and the first try of a message saying "fail" fails
    /// after taking the key.
    static let acknowledge = """
        tries = tries or {}
        px.on("message", function(event)
          if px.once("ack:" .. event.client.id, "7d") then
            px.sleep(0.3)
            local id = event.message.id
            tries[id] = (tries[id] or 0) + 1
            if event.message.content:find("fail") and tries[id] == 1 then error("first try fails") end
            event:reply("Thanks, we got your message!")
          end
        end)
        """

    @Test("one client writes in two conversations in one poll: one acknowledgement, also when the first handler's try fails",
          arguments: [false, true])
    func oneReply(firstFails: Bool) async throws {
        try await withWatch { w in
            try await w.daemon(Self.acknowledge, retryDelay: 0) { loop in
                _ = await loop.cycle()
                let first = try await w.sandbox.database.inquiry(
                    name: "Nora Quinn", email: "nora@example.com", content: firstFails ? "please fail" : "Hello!")
                let second = try await w.sandbox.database.inquiry(name: "Nora Quinn", email: "nora@example.com", content: "Also, one more thing")
                let conversations = try [#require(first.conversationID), #require(second.conversationID)]
                #expect(conversations[0] != conversations[1])
                for _ in 0..<4 { _ = await loop.cycle() }
                let replies = try conversations.flatMap { try w.studioMessages(in: $0) }
                    .filter { $0.hasPrefix("Thanks, we got") }
                #expect(replies.count == 1, "\(replies)")
            }
        }
    }

    @Test("px.store read-modify-write in concurrent handlers loses no update")
    func counter() async throws {
        try await withWatch { w in
            let script = """
                px.on("message", function(event)
                  local n = px.store.get("count") or 0
                  px.sleep(0.05)
                  px.store.set("count", n + 1)
                end)
                """
            try await w.daemon(script) { loop in
                _ = await loop.cycle()
                for index in 0..<6 {
                    _ = try await w.sandbox.database.inquiry(name: "Client \(index)", email: "c\(index)@example.com", content: "Hi")
                }
                _ = await loop.cycle()
            }
            #expect(try StateStore(path: w.statePath).kept.value(forKey: "count") == "6")
        }
    }
}
