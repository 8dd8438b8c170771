import Foundation
import GRDB
import PixiesetModels
import PXNotify
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// Issue 27: approvals are independent; one the studio refuses for good is
/// closed and said, and never holds the others back.
@Suite("Approvals: one refused for good holds no other back")
struct ApprovalIndependenceTests {
    @Test("a request over the studio's limit is refused when asked; an approved one the studio refuses is closed as refused, and the next one is sent")
    func refusedForGood() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(2)
            let h = ScriptHarness(folder: w.folder, sandbox: w.sandbox, statePath: w.statePath)
            // Asked with a text the studio would refuse: an argument error at the script's line, nothing recorded.
            await #expect(throws: (any Error).self) { try await h.run("px.send('\(ids[0])', ('x'):rep(20001), { approve = true })") }
            #expect(try h.state().approvals.list().isEmpty)
            try await h.run("""
                px.send("\(ids[0])", "First approved message", { approve = true })
                px.send("\(ids[1])", "Second approved message", { approve = true })
                """)
            let store = try h.state()
            let asked = try store.approvals.list().sorted { $0.conversationID == ids[0] && $1.conversationID != ids[0] }
            for approval in asked { #expect(try await store.approvals.decide(approval.id, approve: true, at: Date())) }
            // As a version before this check let an edit through: the first now holds a text the studio refuses.
            try await DatabaseQueue(path: w.statePath).write {
                try $0.execute(sql: "UPDATE approval SET edited = ? WHERE id = ?", arguments: [String(repeating: "y", count: 20_001), asked[0].id])
            }
            try store.close()
            try await w.daemon("px.on('message', function() end)") { loop in
                _ = await loop.cycle()
            }
            let after = try h.state()
            #expect(try after.approvals.find(asked[0].id)?.state == .refused)
            #expect(try after.approvals.find(asked[0].id)?.detail?.hasPrefix("refused by the studio:") == true)
            #expect(try after.approvals.find(asked[1].id)?.state == .sent)
            #expect(try w.studioMessages(in: ids[1]).contains("Second approved message"))
            #expect(try after.journal.tail(limit: 10).contains { $0.kind == "approval refused" })
            #expect(try after.notices.recent().contains { $0.notice.title.contains("refused an approved message") })
        }
    }
}
