import Foundation
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

/// docs/spec.md §4 "Automated vs personal": pxscript knows the studio messages it
/// sent, from any script on this machine, and follow-ups count personal
/// answers only.
@Suite("automated vs personal studio messages")
struct AutomatedMessagesTests {
    @Test("an inquiry answered only by an auto-acknowledgement waits on the studio; a personal answer makes it wait on the client")
    func awaiting() async throws {
        try await withHarness { h in
            let inquiry = try await h.sandbox.database.inquiry(name: "Ivy Park", email: "ivy@example.com", content: "Are you free in June?")
            let id = try #require(inquiry.conversationID)
            // Another script (another state, the same folder) acknowledges it.
            let other = ScriptHarness(folder: h.folder, sandbox: h.sandbox, statePath: h.folder.appendingPathComponent("autoreply.sqlite").path)
            try await other.run("px.send('\(id)', 'Thanks! We will get back to you within a day.')")
            let script = """
                local function has(options)
                  for c in px.conversations.awaiting(options) do if c.id == '\(id)' then return true end end
                  return false
                end
                local c = px.conversations.get('\(id)')
                local ack = c.messages[#c.messages]
                return has{ on = "client" }, has{ on = "studio" }, has{ on = "client", automated = true },
                       ack.automated, c.messages[1].automated, has{ on = "studio", older_than = "1d" }, has{ on = "studio", newer_than = "1h" }
                """
            let before = try await h.values(script)
            #expect(before == ["false", "true", "true", "true", "false", "false", "true"], "\(before)")
            // The photographer answers in the web app: now it waits on the client.
            _ = try await h.sandbox.database.studioReplies(conversationID: id, content: "Yes, June 14th works!")
            let after = try await h.values("""
                local found = false
                for c in px.conversations.awaiting{ on = "client" } do if c.id == '\(id)' then found = true end end
                local c = px.conversations.get('\(id)')
                return found, c.messages[#c.messages].automated
                """)
            #expect(after == ["true", "false"], "\(after)")
        }
    }

    @Test("event.answered counts personal answers only; event.first marks a new inquiry; event messages carry automated")
    func eventFields() async throws {
        try await withWatch { w in
            let script = """
                px.on("message", function(event)
                  px.store.set("seen:" .. event.message.content,
                    tostring(event.first) .. "," .. tostring(event.answered) .. "," .. tostring(event.message.automated))
                  if event.first then event:reply("Thanks for your inquiry!") end
                end)
                """
            try await w.daemon(script) { loop in
                _ = await loop.cycle()
                let inquiry = try await w.sandbox.database.inquiry(name: "Leo Hart", email: "leo@example.com", content: "first words")
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: try #require(inquiry.conversationID), content: "second words")
                _ = await loop.cycle()
            }
            let store = try StateStore(path: w.statePath)
            #expect(try store.kept.value(forKey: "seen:first words") == #""true,false,false""#)
            // The auto-acknowledgement came after the first message, but it is not a personal answer.
            #expect(try store.kept.value(forKey: "seen:second words") == #""false,false,false""#)
        }
    }
}
