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
@Suite("Watch: the sweep, and the slow rotation while the API behaves")
struct SweepTests {
    /// A poller over the demo studio's year (its conversations are all recent enough to be swept).
    static func poller(_ client: PixiesetClient, _ store: StateStore, _ log: LogCapture, sweepInterval: Double, rotationEvery: Int) -> Poller {
        Poller(client: client, store: store, logger: log.logger, historyWindow: 366 * 86_400, sweepInterval: sweepInterval, rotationEvery: rotationEvery)
    }

    /// The sandbox's time (the studio's), as the poller is given it.
    static func studioNow(_ sandbox: RunningSandbox) -> @Sendable () -> Date {
        { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }
    }

    /// Writes a client message the list "does not show": the conversation's mark is set to what
    /// the list says afterwards, so no poll sees it change. Returns the message's id.
    static func hide(in sandbox: RunningSandbox, client: PixiesetClient, store: StateStore, now: Date) async throws -> (conversation: String, message: String) {
        let page = try await client.conversations(ConversationFilter(includeMessages: true))
        let target = try #require(page.data.first)
        let written = try await sandbox.database.clientWritesIn(conversationID: target.id, content: "Did you get this?").id
        let listed = try #require(try await client.conversations(ConversationFilter(includeMessages: true)).data.first { $0.id == target.id })
        var record = PollRecord()
        var mark = Poller.signature(of: listed)
        mark.detailed = true
        record.marks[target.id] = mark
        try store.ledger.record(record, at: now)
        return (target.id, written)
    }

    @Test("while the API behaves there is no sweep; a change the list hides is found by the slow rotation, once, and the daemon sweeps from then")
    func hiddenChange() async throws {
        try await withPollerParts { sandbox, client, store, log in
            let now = Self.studioNow(sandbox)
            let polite = Self.poller(client, store, log, sweepInterval: 0, rotationEvery: 0)
            _ = try await polite.poll(now: now())
            let (_, written) = try await Self.hide(in: sandbox, client: client, store: store, now: now())
            // Due to sweep every poll, but the API showed no fault: one request, nothing found.
            let quiet = try await polite.poll(now: now())
            #expect(!quiet.swept && quiet.requests == 1 && quiet.events.isEmpty)
            #expect(try store.settings.value(.lastQuirk) == nil)

            // The rotation reads one recently active conversation a poll (here, every poll) until it meets the hidden one.
            let rotating = Self.poller(client, store, log, sweepInterval: 0, rotationEvery: 1)
            var found: [String] = [], polls = 0
            while found.isEmpty, polls < 60 {
                let result = try await rotating.poll(now: now())
                #expect(!result.swept && result.requests <= 2)
                found = result.events.map(\.id)
                polls += 1
            }
            #expect(found == [written])
            #expect(log.all.contains { $0.contains("slow rotation found 1 message(s) the API's list did not show as new") })
            // Now wary: the next poll sweeps, and finds nothing twice.
            #expect(try store.settings.value(.lastQuirk) != nil)
            let swept = try await rotating.poll(now: now())
            #expect(swept.swept && swept.events.isEmpty && swept.requests > 2)
        }
    }

    @Test("for a day after a fault, a change the list hides is found by the sweep, once; then polite again")
    func sweepWhileWary() async throws {
        try await withPollerParts { sandbox, client, store, log in
            let now = Self.studioNow(sandbox)
            let plain = Self.poller(client, store, log, sweepInterval: .infinity, rotationEvery: 0)
            _ = try await plain.poll(now: now())
            let (_, written) = try await Self.hide(in: sandbox, client: client, store: store, now: now())
            #expect(try await plain.poll(now: now()).events.isEmpty)
            // A fault seen 23 hours ago (a list out of order, say): still wary.
            try store.settings.set(.lastQuirk, String(now().timeIntervalSince1970 - 23 * 3_600))
            let sweeping = Self.poller(client, store, log, sweepInterval: 0, rotationEvery: 0)
            let swept = try await sweeping.poll(now: now())
            #expect(swept.swept && swept.events.map(\.id) == [written])
            #expect(log.all.contains { $0.contains("the sweep found 1 message") })
            #expect(try await sweeping.poll(now: now()).events.isEmpty)
            // A day after the last fault (the hidden message counted as one): no sweep.
            try store.settings.set(.lastQuirk, String(now().timeIntervalSince1970 - 86_401))
            let calm = try await sweeping.poll(now: now())
            #expect(!calm.swept && calm.requests == 1)
        }
    }

    @Test("a fault time far in the future (a hostile or broken state) does not keep the daemon sweeping for good")
    func hostileQuirkTime() async throws {
        try await withPollerParts { sandbox, client, store, log in
            let now = Self.studioNow(sandbox)
            let poller = Self.poller(client, store, log, sweepInterval: 0, rotationEvery: 0)
            _ = try await poller.poll(now: now())
            try store.settings.set(.lastQuirk, "9e15")
            #expect(try await !poller.poll(now: now()).swept)
            try store.settings.set(.lastQuirk, String(now().timeIntervalSince1970 + 60))
            #expect(try await poller.poll(now: now()).swept)
        }
    }

    @Test("a list out of order makes the daemon wary: it sweeps for a day")
    func faultMakesWary() async throws {
        try await withPollerParts(quirks: "unordered") { sandbox, client, store, log in
            let now = Self.studioNow(sandbox)
            let poller = Self.poller(client, store, log, sweepInterval: 0, rotationEvery: 0)
            _ = try await poller.poll(now: now())
            #expect(try store.settings.value(.lastQuirk) != nil)
            #expect(try await poller.poll(now: now()).swept)
            #expect(log.all.contains { $0.contains("until a day passes without such a fault") })
        }
    }
}

/// A conversation that says its last message is from the future (A24) at the first start, then gets
/// a client message: the message is news, not history (the simulator found it taken for history).
@Suite("Watch: a time from the future at the first start")
struct FutureAtFirstStartTests {
    @Test("a client message after the first start, in a conversation whose list time is from the future, is answered")
    func futureConversation() async throws {
        try await withPollerParts(quirks: "future_timestamp") { sandbox, client, store, log in
            let now = { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }
            // The quirk's conversation (the last by id), active just now: the list dates it hours ahead.
            let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
            let aheadID = try #require(ids.max())
            _ = try await sandbox.database.clientWritesIn(conversationID: aheadID, content: "Before the first start")
            let poller = Poller(client: client, store: store, logger: log.logger, rotationEvery: 0)
            let first = try await poller.poll(now: now())
            #expect(first.firstStart)
            let page = try await client.conversations(ConversationFilter(includeMessages: true), pageSize: 100)
            let ahead = try #require(page.data.first { $0.id == aheadID })
            #expect((ahead.lastMessageAt?.microseconds ?? 0) > Poller.micro(now()) + 3_600_000_000)
            let written = try await sandbox.database.clientWritesIn(conversationID: ahead.id, content: "Are you free on Saturday?").id
            var found: [String] = []
            for _ in 0..<3 where found.isEmpty { found = try await poller.poll(now: now()).events.map(\.id) }
            #expect(found == [written])
        }
    }
}
