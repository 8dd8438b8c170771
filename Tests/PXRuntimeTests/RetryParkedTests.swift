import Foundation
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// Issue 27: a parked client can be answered after the script is fixed.
@Suite("Retry: parked messages queued again are handled once")
struct RetryParkedTests {
    @Test("a handler that parked is fixed; retry queues the message and the next poll answers it once, the send made before the failure not again")
    func retryAfterFix() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let broken = """
                px.on("message", function(event)
                  event:reply("Thanks, we got your inquiry!")
                  error("the price list template is missing")
                end)
                """
            var parkedID = ""
            try await w.daemon(broken, maxAttempts: 1) { loop in
                _ = await loop.cycle()
                parkedID = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Do you have June dates?").id
                let report = await loop.cycle()
                #expect(report.parked == 1)
            }
            let store = try StateStore(path: w.statePath)
            #expect(try store.ledger.parkedCount() == 1)
            let status = try store.status(now: Date(), timeZone: .gmt, journalLimit: 0).text(cap: 200, path: w.statePath)
            #expect(status.contains("`pxscript retry --state \(w.statePath) --all`"), "\(status)")
            // An id that is not parked is reported, and nothing changes for it.
            let unknown = try await store.ledger.retryParked(["msg_not_here"], at: Date())
            #expect(unknown.queued.isEmpty && unknown.notParked == ["msg_not_here"])
            let queued = try await store.ledger.retryParked([parkedID], at: Date())
            #expect(queued.queued.map(\.id) == [parkedID] && queued.notParked.isEmpty)
            #expect(try store.ledger.parkedCount() == 0)
            try store.close()
            // The fix also moves the reply after a new send: matched by text, the reply is not sent again
            // and the new send is not mistaken for it (sends of a retried event are not keyed by order alone).
            let fixed = """
                px.on("message", function(event)
                  px.send(event.conversation.id, "Here is the price list.")
                  event:reply("Thanks, we got your inquiry!")
                end)
                """
            try await w.daemon(fixed) { loop in
                let report = await loop.cycle()
                #expect(report.handled == 1 && report.parked == 0, "\(w.log.all)")
                // Handled once: a later poll does not hand it over again.
                let again = await loop.cycle()
                #expect(again.handled == 0)
            }
            let sent = try w.studioMessages(in: id)
            #expect(sent.filter { $0 == "Thanks, we got your inquiry!" }.count == 1, "\(sent)")
            #expect(sent.filter { $0 == "Here is the price list." }.count == 1, "\(sent)")
            let journal = try StateStore(path: w.statePath).journal.tail(limit: 20).map(\.kind)
            #expect(journal.contains("retried"))
        }
    }
}
