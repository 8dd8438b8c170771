import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

@Suite("Watch: the poller finds each new client message once, at the cost docs/spec.md §6 sets")
struct PollerTests {
    /// A poller on a fresh sandbox and state, and the sandbox to play clients on.
    func withPoller(quirks: String? = nil, since: Date? = nil, _ body: (Poller, RunningSandbox, StateStore) async throws -> Void) async throws {
        try await withPollerParts(quirks: quirks) { sandbox, client, store, log in
            try await body(Poller(client: client, store: store, logger: log.logger, since: since, pageSize: 10), sandbox, store)
        }
    }

    func conversations(_ sandbox: RunningSandbox, _ count: Int) throws -> [String] {
        Array(Set(try sandbox.database.allMessages().filter { $0.senderType == "client" }.map(\.conversationID)).sorted().prefix(count))
    }

    @Test("the first poll answers no history; then every idle poll is exactly one request")
    func idle() async throws {
        try await withPoller { poller, sandbox, store in
            let first = try await poller.poll(now: Date())
            #expect(first.firstStart && first.events.isEmpty && first.requests == 1)
            #expect(try store.ledger.watermark() != nil)
            for _ in 0..<100 {
                let before = sandbox.controls.apiRequests
                let idle = try await poller.poll(now: Date())
                #expect(idle.events.isEmpty && idle.requests == 1)
                #expect(sandbox.controls.apiRequests - before == 1)
            }
        }
    }

    @Test("K clients writing in K conversations cost at most K + 2 requests; each message is an event once, in order")
    func newMessages() async throws {
        try await withPoller { poller, sandbox, store in
            _ = try await poller.poll(now: Date())
            let targets = try conversations(sandbox, 6)
            var written: [String] = []
            for (index, id) in targets.enumerated() {
                written.append(try await sandbox.database.clientWritesIn(conversationID: id, content: "Question \(index)").id)
            }
            let second = try await sandbox.database.clientWritesIn(conversationID: targets[0], content: "And another thing").id
            let result = try await poller.poll(now: Date())
            #expect(Set(result.events.map(\.id)) == Set(written + [second]))
            #expect(result.requests <= targets.count + 2)
            let inFirst = result.events.filter { $0.conversationID == targets[0] }.map(\.id)
            #expect(inFirst == [written[0], second])
            #expect(try store.ledger.openEvents().count == 7)
            // Nothing twice.
            #expect(try await poller.poll(now: Date()).events.isEmpty)
        }
    }

    @Test("seen although already read in the web app; the studio's own replies are not events; a new inquiry is")
    func whatCounts() async throws {
        try await withPoller { poller, sandbox, _ in
            _ = try await poller.poll(now: Date())
            let id = try conversations(sandbox, 1)[0]
            let read = try await sandbox.database.clientWritesIn(conversationID: id, content: "Read before the poll").id
            _ = try await sandbox.database.studioReads(conversationID: id)
            let other = try conversations(sandbox, 2)[1]
            _ = try await sandbox.database.studioReplies(conversationID: other, content: "Our own answer")
            let inquiry = try await sandbox.database.inquiry(name: "Zoe Park", email: "zoe@example.com", content: "Do you photograph pets?").id
            let events = try await poller.poll(now: Date()).events.map(\.id)
            #expect(Set(events) == [read, inquiry])
        }
    }

    @Test("under the unordered and mark_read_on_get quirks every message is still found once, with a warning")
    func quirks() async throws {
        try await withPoller(quirks: "unordered,mark_read_on_get") { poller, sandbox, _ in
            _ = try await poller.poll(now: Date())
            var written = Set<String>()
            for id in try conversations(sandbox, 4) {
                written.insert(try await sandbox.database.clientWritesIn(conversationID: id, content: "Hello from \(id)").id)
            }
            let result = try await poller.poll(now: Date())
            #expect(result.unordered)
            #expect(Set(result.events.map(\.id)) == written)
            #expect(try await poller.poll(now: Date()).events.isEmpty)
        }
    }

    @Test("--since reaches back on a state without a watermark")
    func since() async throws {
        try await withPoller(since: ISOTime.parse("2000-01-01T00:00:00Z")) { poller, sandbox, _ in
            let result = try await poller.poll(now: Date())
            #expect(!result.firstStart)
            let clientMessages = try sandbox.database.allMessages().filter { $0.senderType == "client" }
            #expect(result.events.count > 0 && result.events.count <= clientMessages.count)
        }
    }

    /// The sandbox's now, as the runtime's clock would give it (the studio's time).
    func studioNow(_ sandbox: RunningSandbox) -> Date { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }

    @Test("meta.last_page too small: every page that may hold news is read anyway, with a warning")
    func shortLastPage() async throws {
        try await withPoller(quirks: "no_last_page") { poller, sandbox, _ in
            _ = try await poller.poll(now: studioNow(sandbox))
            var written = Set<String>()
            // More conversations than a page (10) move at once.
            let targets = Array(Set(try sandbox.database.allMessages().map(\.conversationID)).sorted().prefix(15))
            for id in targets { written.insert(try await sandbox.database.clientWritesIn(conversationID: id, content: "Hello \(id)").id) }
            let result = try await poller.poll(now: studioNow(sandbox))
            #expect(Set(result.events.map(\.id)) == written)
            #expect(try await poller.poll(now: studioNow(sandbox)).events.isEmpty)
        }
    }

    @Test("a timestamp from the future does not move the watermark; messages after it are still found")
    func futureTimestamp() async throws {
        try await withPoller(quirks: "future_timestamp") { poller, sandbox, store in
            _ = try await poller.poll(now: studioNow(sandbox))
            let mark = try #require(try store.ledger.watermark())
            #expect(mark <= Timestamp(parsing: testNow)!.microseconds + 60_000_000)
            let id = try conversations(sandbox, 1)[0]
            let written = try await sandbox.database.clientWritesIn(conversationID: id, content: "Still there?").id
            #expect(try await poller.poll(now: studioNow(sandbox)).events.map(\.id) == [written])
        }
    }

    @Test("coarse and stale timestamps: two messages in one second, a last_message_at that never moves; each found once")
    func coarseAndStale() async throws {
        try await withPoller(quirks: "coarse_timestamps,stale_last_message_at") { poller, sandbox, _ in
            _ = try await poller.poll(now: studioNow(sandbox))
            let id = try conversations(sandbox, 1)[0]
            let first = try await sandbox.database.clientWritesIn(conversationID: id, content: "One").id
            #expect(try await poller.poll(now: studioNow(sandbox)).events.map(\.id) == [first])
            let second = try await sandbox.database.clientWritesIn(conversationID: id, content: "Two").id
            let third = try await sandbox.database.clientWritesIn(conversationID: id, content: "Three").id
            #expect(Set(try await poller.poll(now: studioNow(sandbox)).events.map(\.id)) == [second, third])
            #expect(try await poller.poll(now: studioNow(sandbox)).events.isEmpty)
        }
    }

    /// `get_404`: the studio's first conversation answers 404; `hostile_details`: it comes, in the
    /// list and in its details, with a field nested 600 deep and a number out of range (issue 27).
    @Test("one conversation that answers 404, or that no client can read, is journaled and set aside; the others are found",
          arguments: ["get_404", "hostile_details"])
    func failureStaysPut(quirk: String) async throws {
        try await withPoller(quirks: quirk) { poller, sandbox, store in
            _ = try await poller.poll(now: studioNow(sandbox))
            let all = Set(try sandbox.database.allMessages().map(\.conversationID))
            let broken = try #require(all.min()), other = try #require(all.sorted().dropFirst().first)
            _ = try await sandbox.database.clientWritesIn(conversationID: broken, content: "Hello?")
            let fine = try await sandbox.database.clientWritesIn(conversationID: other, content: "Hi!").id
            let result = try await poller.poll(now: studioNow(sandbox))
            #expect(result.events.map(\.id) == [fine])
            #expect(try store.journal.tail(limit: 10).contains { $0.kind == "conversation unreadable" && $0.conversationID == broken })
        }
    }

    @Test("details that hold only the latest messages: a gap is warned about")
    func cappedGap() async throws {
        try await withPollerParts(quirks: "capped_messages=3") { sandbox, client, store, log in
            let poller = Poller(client: client, store: store, logger: log.logger, pageSize: 10)
            let now = { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }
            _ = try await poller.poll(now: now())
            let id = try conversations(sandbox, 1)[0]
            _ = try await sandbox.database.clientWritesIn(conversationID: id, content: "First")
            #expect(try await poller.poll(now: now()).events.count == 1)
            for index in 0..<5 { _ = try await sandbox.database.clientWritesIn(conversationID: id, content: "Burst \(index)") }
            let result = try await poller.poll(now: now())
            #expect(result.events.count == 3)
            #expect(log.all.joined(separator: "\n").contains("returned only its latest 3 messages"), "\(log.all)")
        }
    }
}

/// A fresh sandbox (demo data at `testNow`, with `quirks`), a client of it, a state
/// and a log: what a poller needs, for tests that build their own.
func withPollerParts(
    quirks: String? = nil, _ body: (RunningSandbox, PixiesetClient, StateStore, LogCapture) async throws -> Void
) async throws {
    var configuration = SandboxConfiguration()
    configuration.clock = StartingClock(start: Timestamp(parsing: testNow)!)
    if let quirks { configuration.quirks = try Quirks(parsing: quirks) }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("poller-\(UUID().uuidString).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try StateStore(path: path)
    let log = LogCapture()
    try await StudioSandbox.withRunning(configuration) { sandbox in
        let api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast)
        try await PixiesetClient.withClient(api, logger: log.logger) { client in try await body(sandbox, client, store, log) }
    }
}
