import Crypto
import Foundation
import PixiesetKit
@testable import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

@Suite("px.send: keys, dry runs, the cap, pause")
struct SendTests {
    static let pick = """
        local targets = {}
        for c in px.conversations.each{} do
          if #targets < (tonumber(px.args[1]) or 3) then targets[#targets + 1] = c end
        end

        """

    @Test("a key already sent to a conversation is skipped and returns the first message, across runs")
    func keys() async throws {
        try await withHarness { h in
            let script = Self.pick + """
                local ids = {}
                for _, c in ipairs(targets) do
                  local m = px.send(c.id, "Spring minis are open!", { key = "spring-2026" })
                  local again = px.send(c.id, "Spring minis are open (edited)!", { key = "spring-2026" })
                  assert(again.id == m.id, "the second send must return the first message")
                  ids[#ids + 1] = m.id
                end
                return table.concat(ids, ",")
                """
            let before = try h.messages().count
            let first = try await h.run(script).results[0]
            let second = try await h.run(script).results[0]
            // Sending moves conversations to the top of the list, so compare as sets.
            #expect(Set(first.split(separator: ",")) == Set(second.split(separator: ",")))
            #expect(try h.messages().count == before + 3)
            #expect(h.log.all.contains { $0.contains("skipped a send") })
        }
    }

    @Test("without a key, an identical send within 24 hours is skipped; different text is not")
    func derivedKeys() async throws {
        try await withHarness { h in
            let before = try h.messages().count
            try await h.run(Self.pick + "for _, c in ipairs(targets) do px.send(c.id, 'Thanks!') px.send(c.id, '  Thanks!\\n') px.send(c.id, 'Thanks again!') end")
            #expect(try h.messages().count == before + 6)
        }
    }

    @Test("a derived key is the SHA-256 of the normalised text and the sorted attachments, as state files already hold it")
    func derivedKeyFormula() {
        func expected(_ text: String, _ parts: [String]) -> String {
            let joined = SendIntent.normalise(text) + "\u{1}" + parts.sorted().joined(separator: "\u{1}")
            return "h:" + SHA256.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        let cases: [(String, [AttachmentSpec])] = [
            ("Thanks!", []),
            ("  Café ☕\nsee you ", [.id("att_B"), .file(path: "/x/price guide.pdf", filename: nil, contentType: nil)]),
            ("", [.id("att_A")]),
        ]
        for (text, attachments) in cases {
            let request = SendRequest(conversationID: "conv_AAAAAAAAAAAA", content: text, attachments: attachments, key: nil, position: "t:1")
            #expect(PxContext.derivedKey(request) == expected(text, attachments.map(\.keyPart)))
        }
    }

    @Test("a dry run sends nothing, leaves the state as it was, and plans every message with its line")
    func dryRun() async throws {
        try await withHarness { h in
            try h.write(["nudge.mustache": "Hi {{name}}, any news about {{subject}}?"])
            let before = try h.messages().count
            let summary = try await h.run(Self.pick + """
                for _, c in ipairs(targets) do
                  local text = px.template.file("nudge.mustache", { name = c.participants[1].name, subject = c.subject })
                  local m = px.send(c.id, text, { key = "nudge" })
                  assert(m.dry_run == true and m.id:find("^msg_dry_run_"))
                end
                assert(px.dry_run == true)
                """, dryRun: true)
            #expect(try h.messages().count == before)
            #expect(summary.plan.count == 3)
            #expect(summary.plan.allSatisfy { $0.position.hasSuffix("script.lua:7") && $0.content.hasPrefix("Hi ") && !$0.clientName.isEmpty }, "\(summary.plan)")
            let state = try h.state()
            #expect(try state.journal.tail(limit: 10).isEmpty)
            #expect(try state.sends.sendCount(day: "2026-03-01") == 0)
            // The real run afterwards sends all three.
            try await h.run(Self.pick + "for _, c in ipairs(targets) do px.send(c.id, 'x', { key = 'nudge' }) end")
            #expect(try h.messages().count == before + 3)
        }
    }

    @Test("the daily cap is never overshot, even by concurrent sends; the run stops with SEND_CAP")
    func cap() async throws {
        try await withHarness { h in
            let before = try h.messages().count
            let error = await runError {
                try await h.run(Self.pick + """
                    px.map(targets, function(c) px.send(c.id, "Hello " .. c.id) end, { concurrency = 8 })
                    """, maxSends: 5, arguments: ["12"])
            }
            guard case .sendCap(let message) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(message.contains("send cap of 5"))
            // Raised again by px.map, the error names the line once, not once per layer.
            #expect(message.components(separatedBy: "script.lua:").count == 2, "\(message)")
            #expect(try h.messages().count == before + 5)
            #expect(try h.state().sends.sendCount(day: "2026-03-01") == 5)
        }
    }

    @Test("pause makes every send raise PAUSED until resume")
    func pause() async throws {
        try await withHarness { h in
            try h.state().settings.setPaused(true, at: Date())
            let values = try await h.values(Self.pick + "local ok, err = pcall(px.send, targets[1].id, 'hi') return ok, err.code")
            #expect(values == ["false", "PAUSED"])
            try h.state().settings.setPaused(false, at: Date())
            #expect(try await h.values(Self.pick + "return px.send(targets[1].id, 'hi').content") == ["hi"])
        }
    }

    @Test("each send lands exactly once although the studio answers 502 after storing some")
    func faults() async throws {
        try await withHarness(faults: "error_after_commit=0.4,error=0.2,seed=7") { h in
            let before = try h.messages().count
            try await h.run(Self.pick + "for i, c in ipairs(targets) do px.send(c.id, 'Gallery is ready ' .. i, { key = 'gallery' }) end", arguments: ["10"])
            let sent = try h.messages().dropFirst(before)
            #expect(sent.count == 10)
            #expect(Set(sent.map(\.conversationID)).count == 10)
        }
    }

    @Test("a send left pending by a killed run is reconciled before the script runs again")
    func interrupted() async throws {
        try await withHarness { h in
            let conversation = try await h.values(Self.pick + "return targets[1].id")[0]
            let store = try h.state()
            let intent = SendIntent(conversationID: conversation, content: "Your gallery is ready")
            // As if killed after recording the intent and writing the POST, before recording the answer.
            guard case .proceed = try await store.sends.reserve(
                intent, key: "k:gallery", explicitKey: true, now: Date(timeIntervalSince1970: 1_772_355_600), day: "2026-03-01", cap: 200)
            else { Issue.record("not reserved"); return }
            let api = APIConfiguration(baseURL: try BaseURL(parsing: h.sandbox.baseURL), cookie: h.sandbox.cookie)
            _ = try await PixiesetClient.withClient(api) { client in try await client.send(intent) }
            // Killed here: the intent is only in the outbox log, and the send lease goes with the process.
            store.outbox.dropAsIfKilled()
            let before = try h.messages().count
            try await h.run(Self.pick + "px.send(targets[1].id, 'Your gallery is ready', { key = 'gallery' })")
            #expect(try h.messages().count == before)
            #expect(try store.sends.pendingSends().isEmpty)
            #expect(try store.journal.tail(limit: 5).contains { $0.kind == "reconciled" })
        }
    }
}
