import Foundation
import LuaKit
import PixiesetKit
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

/// CONVENTIONS "Errors keep their type across Lua": decisions follow the
/// px error table the host raised, never an error's text.
@Suite("errors keep their type across Lua")
struct ErrorCauseTests {
    @Test("a script error that looks like a cap or a pause is the script's own: run ends with 1, not 75")
    func runExit() async throws {
        try await withHarness { h in
            for script in ["error('over my own limit (SEND_CAP)')", "error({ code = 'SEND_CAP', message = 'mine' })",
                           "error(setmetatable({ code = 'PAUSED' }, { __tostring = function() return 'x (PAUSED)' end }))"] {
                let error = await #expect(throws: RuntimeError.self) { try await h.run(script) }
                guard case .script? = error else { Issue.record("\(script): \(String(describing: error))"); continue }
            }
            // The real cap, caught and raised again by the script, is still the cap.
            let capped = await #expect(throws: RuntimeError.self) {
                try await h.run("""
                    local ids = {}
                    for c in px.conversations.each{} do ids[#ids + 1] = c.id end
                    px.send(ids[1], "one")
                    local ok, err = pcall(px.send, ids[2], "two")
                    error(err)
                    """, maxSends: 1)
            }
            guard case .sendCap? = capped else { Issue.record("\(String(describing: capped))"); return }
        }
    }

    @Test("px.map: an item whose error reads '(SEND_CAP)' is one failed item; the others run")
    func mapItems() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local results, errors = px.map({ 1, 2, 3 }, function(n)
                  if n == 2 then error("no slot left (SEND_CAP)") end
                  return n * 10
                end)
                return results[1], results[3], errors[2] ~= nil
                """)
            #expect(values == ["10", "30", "true"])
        }
    }

    @Test("watch: a handler error ending in '(SEND_CAP)' is retried and parked like any other, not held for tomorrow")
    func watchRetries() async throws {
        try await withWatch { w in
            let target = try w.clientConversations(1)[0]
            try await w.daemon("px.on('message', function() error('quota (SEND_CAP)') end)", maxAttempts: 2) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: target, content: "Hello?")
                let first = await loop.cycle()
                #expect(first.failed == 1 && first.waiting == 0, "\(first)")
                let second = await loop.cycle()
                #expect(second.parked == 1 && second.waiting == 0, "\(second)")
            }
        }
    }
}
