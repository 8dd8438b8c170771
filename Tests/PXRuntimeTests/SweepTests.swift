import Foundation
import Logging
import PixiesetKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// The sweep (issue 17): a message the API's list never shows as new is
/// found by reading every recently active conversation in full.
@Suite("Watch: the sweep")
struct SweepTests {
    @Test("a change the list hides is missed by a poll and found by the sweep, once")
    func hiddenChange() async throws {
        try await withPollerParts { sandbox, client, store, log in
            let now = { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }
            // A window of a year: the demo studio's conversations are all recent enough to be swept.
            let plain = Poller(client: client, store: store, logger: log.logger, historyWindow: 366 * 86_400, sweepInterval: .infinity)
            _ = try await plain.poll(now: now())
            let page = try await client.conversations(ConversationFilter(includeMessages: true))
            let target = try #require(page.data.first)
            let written = try await sandbox.database.clientWritesIn(conversationID: target.id, content: "Did you get this?").id
            // The list "shows no change": the conversation's mark is what the list now says.
            let listed = try #require(try await client.conversations(ConversationFilter(includeMessages: true)).data.first { $0.id == target.id })
            var record = PollRecord()
            var mark = Poller.signature(of: listed)
            mark.detailed = true
            record.marks[target.id] = mark
            try store.ledger.record(record, at: now())
            #expect(try await plain.poll(now: now()).events.isEmpty)
            let sweeping = Poller(client: client, store: store, logger: log.logger, historyWindow: 366 * 86_400, sweepInterval: 0)
            let swept = try await sweeping.poll(now: now())
            #expect(swept.swept && swept.events.map(\.id) == [written])
            #expect(try await sweeping.poll(now: now()).events.isEmpty)
            #expect(log.all.contains { $0.contains("the sweep found 1 message") })
        }
    }
}
