import Foundation
import Logging
import PixiesetKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// Faults of the API the seeded simulator (docs/simulation.md) found pxscript mishandling, each
/// played alone here.
@Suite("What the simulator found")
struct SimulatorFindingsTests {
    /// A sandbox on a clock that moves only when told, with `quirks` and `faults`, a client and a state.
    static func withParts(
        quirks: String, faults: String? = nil, _ body: (RunningSandbox, ManualClock, PixiesetClient, StateStore, LogCapture) async throws -> Void
    ) async throws {
        let clock = ManualClock(start: Timestamp(parsing: testNow)!)
        var configuration = SandboxConfiguration()
        configuration.clock = clock
        configuration.quirks = try Quirks(parsing: quirks)
        if let faults { configuration.faults = try FaultPlan(parsing: faults) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("findings-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try StateStore(path: path)
        let log = LogCapture()
        try await StudioSandbox.withRunning(configuration) { sandbox in
            var api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast)
            // The second look for a send waits on the sandbox's clock, as it would in real time.
            api.pause = { wait in clock.advance(seconds: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18) }
            try await PixiesetClient.withClient(api, logger: log.logger) { client in try await body(sandbox, clock, client, store, log) }
        }
    }

    @Test("a message the details do not show yet at the first start is history all the same: never answered once they show it")
    func historyShownLate() async throws {
        try await Self.withParts(quirks: "eventual_consistency=3s") { sandbox, clock, client, store, log in
            let now = { Date(timeIntervalSince1970: clock.now().secondsSince1970) }
            let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
            let target = try #require(ids.first)
            let history = try await sandbox.database.clientWritesIn(conversationID: target, content: "Written just before the first start").id
            let poller = Poller(client: client, store: store, logger: log.logger, historyWindow: 366 * 86_400, rotationEvery: 0)
            #expect(try await poller.poll(now: now()).firstStart)
            clock.advance(seconds: 10)
            // The conversation changes, so it is read again: now its details show the earlier message.
            let later = try await sandbox.database.clientWritesIn(conversationID: target, content: "And a question").id
            clock.advance(seconds: 10)
            var events: [String] = []
            for _ in 0..<3 { events += try await poller.poll(now: now()).events.map(\.id) }
            #expect(!events.contains(history), "history answered")
            #expect(events == [later])
        }
    }

    @Test("a send whose answer is lost is found in its conversation when the API labels the studio's messages as the client's: sent once")
    func reconciledDespiteLabels() async throws {
        try await Self.withParts(quirks: "studio_as_client", faults: "error_after_commit=1") { sandbox, _, client, _, _ in
            let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
            let target = try #require(ids.first)
            let outcome = try await client.send(SendIntent(conversationID: target, content: "Thanks, see you Saturday!"))
            guard case .reconciled = outcome else {
                Issue.record("not found after the lost answer: \(outcome)")
                return
            }
            let copies = try sandbox.database.allMessages().filter { $0.content == "Thanks, see you Saturday!" }
            #expect(copies.count == 1)
        }
    }
}

/// The daemon's waits are reckoned in the studio's time; a virtual clock is this machine's.
@Suite("A virtual clock with a studio behind it")
struct VirtualClockSkewTests {
    @Test("a wait 10 s ahead in the studio's time ends 10 s later on the virtual clock, not at once")
    func studioBehind() async throws {
        let start = Date(timeIntervalSince1970: 1_772_445_600)
        let virtual = VirtualClock(start: start)
        let clock = RuntimeClock(virtual: virtual)
        // The studio's Date header says an hour earlier than this machine.
        clock.studio.observe(dateHeader: HTTPDate.format(secondsSince1970: Int64(start.timeIntervalSince1970) - 3_600), left: start, arrived: start)
        #expect(abs(clock.studio.offset + 3_600) <= 2)
        virtual.attach()
        let ended = Mutex(false)
        let wake = clock.now().addingTimeInterval(10)
        let sleeper = Task {
            _ = await clock.sleep(until: wake, polls: VirtualClock.PollGrid(from: wake.addingTimeInterval(600), every: 600))
            ended.withLock { $0 = true }
            // As a daemon that ends: `advance` no longer waits for it to sleep again.
            virtual.daemonEnded()
        }
        await virtual.advance(by: 5)
        #expect(!ended.withLock { $0 }, "woken at once")
        await virtual.advance(by: 10)
        _ = await sleeper.value
        #expect(ended.withLock { $0 })
    }
}

/// Which messages a lost send may be found as (a reviewer's findings on the relabelled match).
@Suite("A lost send's match")
struct SendMatchTests {
    static func message(_ type: SenderType, from sender: String?, _ text: String = "Thanks, see you Saturday!") -> Message {
        Message(
            id: "msg_A", conversationID: "conv_A", content: text, sentAt: Timestamp(microseconds: 0), senderType: type, senderID: sender,
            readAt: nil, attachments: [])
    }

    @Test("a message labelled the client's counts as the send only when none of the conversation's clients sent it")
    func relabelled() {
        let intent = SendIntent(conversationID: "conv_A", content: "Thanks, see you Saturday!")
        let clients: Set<String> = ["cl_CLIENT", "cl_PARTNER"]
        #expect(intent.matches(Self.message(.photographer, from: "ph_STUDIO"), clients: clients))
        #expect(intent.matches(Self.message(.client, from: "ph_STUDIO"), clients: clients))
        // The client, a second person in the conversation, or a sender the API does not name: never pxscript.
        #expect(!intent.matches(Self.message(.client, from: "cl_CLIENT"), clients: clients))
        #expect(!intent.matches(Self.message(.client, from: "cl_PARTNER"), clients: clients))
        #expect(!intent.matches(Self.message(.client, from: nil), clients: clients))
        #expect(!intent.matches(Self.message(.client, from: "ph_STUDIO"), clients: []))
    }
}
