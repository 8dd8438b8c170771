import Foundation
import Logging
import PixiesetKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import StudioSandbox
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
