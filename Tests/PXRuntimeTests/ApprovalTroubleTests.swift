import Foundation
import PXConfig
import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// An approved message the studio fails to take is neither lost nor said to be on its way: it stays
/// approved past its expiry (expiry is for what nobody decided), goes once the studio answers, and
/// `approve` without a daemon says it was not sent (exit 1), not "another process is sending it".
@Suite("Approvals: the studio's trouble loses no approved message")
struct ApprovalTroubleTests {
    @Test("approved, then the studio fails the send past the request's expiry: still approved, sent once when the studio answers")
    func approvedOutlivesExpiry() async throws {
        try await withWatch { w in
            let (id, h, asked) = try await Self.ask(w, options: "approve = true, expires = '10m'")
            let store = try h.state()
            #expect(try await store.approvals.decide(asked.id, approve: true, at: w.studio.clock.now()))
            try store.close()
            let studio = TroubledStudio(sandbox: w.sandbox)
            studio.trouble.withLock { $0 = .sendsFail }
            try await w.daemon("px.on('message', function() end)", api: try studio.api) { loop in
                _ = await loop.cycle()
                _ = await loop.advance(by: 1_200)
                let during = try h.state().approvals.find(asked.id)?.state
                #expect(during == .approved)
                studio.trouble.withLock { $0 = .none }
                _ = await loop.poll()
            }
            #expect(try h.state().approvals.find(asked.id)?.state == .sent)
            #expect(try w.studioMessages(in: id).filter { $0 == "Your gallery is ready" }.count == 1)
        }
    }

    @Test("approve with no daemon, the studio failing the send: not sent, said so with what to do")
    func approveSaysNotSent() async throws {
        try await withWatch { w in
            let (id, h, asked) = try await Self.ask(w, options: "approve = true")
            let store = try h.state()
            let studio = TroubledStudio(sandbox: w.sandbox)
            studio.trouble.withLock { $0 = .sendsFail }
            let desk = ApprovalDesk(
                api: { try studio.api }, config: ConfigFile(), clock: RuntimeClock(virtual: w.studio.clock), logger: w.log.logger, environment: [:])
            let result = try await desk.approve(asked.id, in: store)
            guard case .notSent(let state, let detail) = result else {
                Issue.record("approve came to \(result), not 'not sent'")
                return
            }
            #expect(state == "approved" && detail?.contains("run `pxscript approve \(asked.id)` again") == true)
            #expect(try w.studioMessages(in: id).isEmpty)
        }
    }

    /// A run that asks for approval to send "Your gallery is ready" to a client (`options`, Lua):
    /// the conversation, the harness that ran it, and the request.
    static func ask(_ w: WatchHarness, options: String) async throws -> (String, ScriptHarness, Approval) {
        let id = try w.clientConversations(1)[0]
        let h = ScriptHarness(folder: w.folder, sandbox: w.sandbox, statePath: w.statePath)
        try await h.run("px.send('\(id)', 'Your gallery is ready', { \(options) })")
        let store = try h.state()
        defer { try? store.close() }
        return (id, h, try #require(try store.approvals.list().first))
    }
}
