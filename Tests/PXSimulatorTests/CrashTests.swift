import Foundation
import PXState
import PXTest
import StudioSandbox
import Synchronization
import Testing

@testable import PXSimulator

/// A crash inside a pass (docs/simulation.md "Crashes"): the daemon discarded at a request, its
/// state put back as the crash left it, started again; exactly-once must hold across it.
@Suite("The simulator's crashes")
struct CrashTests {
    @Test("what the daemon writes after its crash is gone once the state is put back; nothing it asks afterwards reaches the studio")
    func snapshot() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxcrash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        let store = try StateStore(path: path)
        let at = Date(timeIntervalSince1970: 1_772_445_600)
        try store.settings.setPaused(true, at: at)
        let point = CrashPoint(statePath: path)
        let stopped = StopCount()
        point.stops { stopped.add() }
        point.arm(.init(request: 2, sendsOnly: true, served: true))
        guard case .go = point.turn(method: "GET", target: "/api/v1/conversations/") else { Issue.record("a read is not a send"); return }
        guard case .go = point.turn(method: "POST", target: "/api/v1/conversation_messages") else { Issue.record("the first send goes"); return }
        guard case .crash(served: true) = point.turn(method: "POST", target: "/api/v1/conversation_messages") else {
            Issue.record("the second send crashes after it is served")
            return
        }
        point.crashNow()
        #expect(stopped.value == 1)
        #expect(point.crashed == "POST /api/v1/conversation_messages")
        guard case .dead = point.turn(method: "GET", target: "/api/v1/conversations/") else { Issue.record("a dead process asks nothing"); return }
        // The dead process goes on writing until it is stopped: none of it survives.
        try store.settings.setPaused(false, at: at)
        try store.close()
        try point.restore()
        let after = try StateStore(path: path)
        defer { try? after.close() }
        #expect(try after.settings.isPaused())
        #expect(point.crashed == nil)
    }

    @Test("a crash after the studio wrote a reply and before it was recorded: the next start finds it, and the client gets one reply")
    func afterServedSend() async throws {
        let plan = SimulationPlan(timeline: [
            (600, .crash(.init(request: 1, sendsOnly: true, served: true))),
            (1_200, .clientWrites(conversation: 0)),
            (4_000, .crash(.init(request: 1, sendsOnly: true, served: false))),
            (4_600, .clientWrites(conversation: 1)),
            (8_000, .crash(.init(request: 3, sendsOnly: false, served: false))),
            (8_600, .clientWrites(conversation: 2)),
        ])
        let result = try await Simulation.run(SimulationOptions(seed: 5, days: 1, conversations: 3), plan: plan)
        #expect(result.crashes == 3, "\(result.trace.joined(separator: "\n"))")
        #expect(result.violations.isEmpty, "\(result.violations.joined(separator: "\n"))\n\(result.trace.joined(separator: "\n"))")
        #expect(result.clientMessages == 3 && result.replies == 3)
    }
}

final class StopCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite("The simulator's failing handlers")
struct FailingHandlerTests {
    @Test("a handler that fails after its reply is tried again without a second reply, then parked; the conversation's next message is answered")
    func failsAfterReply() async throws {
        let plan = SimulationPlan(timeline: [
            (600, .clientWrites(conversation: 0, failing: true)),
            (1_200, .clientWrites(conversation: 0)),
            (1_800, .crash(.init(request: 1, sendsOnly: true, served: true))),
            (2_400, .clientWrites(conversation: 1, failing: true)),
        ])
        let result = try await Simulation.run(SimulationOptions(seed: 6, days: 1, conversations: 2), plan: plan)
        #expect(result.violations.isEmpty, "\(result.violations.joined(separator: "\n"))\n\(result.trace.joined(separator: "\n"))")
        #expect(result.clientMessages == 3 && result.replies == 3)
        #expect(result.crashes == 1)
        // Both failing messages were tried again and parked (a handler that did not fail would leave none).
        #expect(result.parked == 2)
    }
}

@Suite("The simulator's one-off runs")
struct OutreachTests {
    @Test("two outreach runs at once on the daemon's state: each conversation gets the note once, the daemon answers none, a paused state sends none")
    func twoRunsAtOnce() async throws {
        let plan = SimulationPlan(quirks: "studio_as_client", timeline: [
            (600, .clientWrites(conversation: 0)),
            (1_200, .outreach(round: 1)),
            (1_800, .clientWrites(conversation: 1)),
            (2_400, .pause(true)),
            (3_000, .outreach(round: 2)),
            (3_600, .pause(false)),
        ])
        let result = try await Simulation.run(SimulationOptions(seed: 8, days: 1, conversations: 3), plan: plan)
        #expect(result.violations.isEmpty, "\(result.violations.joined(separator: "\n"))\n\(result.trace.joined(separator: "\n"))")
        #expect(result.clientMessages == 2 && result.replies == 2)
        // One run sent the three notes; the other waited for its lease, then found them sent.
        let first = try #require(result.trace.first { $0.contains("outreach o1 at once") })
        #expect(first.contains("nothing sent (3 already sent)") && first.contains("; sent 3") || first.contains("sent 3; nothing sent (3 already sent)"), "\(first)")
        #expect(result.trace.contains { $0.contains("outreach o2 at once") && $0.contains("(PAUSED)") })
    }
}

@Suite("The simulator's crash: nothing after it reaches the kept state")
struct DeadRequestTests {
    @Test("a request of the dead process is answered only once the crash's state is kept (its failures were written into it)")
    func deadWaitsForSnapshot() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxcrash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        let store = try StateStore(path: path)
        defer { try? store.close() }
        let point = CrashPoint(statePath: path)
        try await StudioSandbox.withRunning(SandboxConfiguration()) { sandbox in
            let studio = CrashingStudio(inner: SandboxStudio(sandbox: sandbox), crash: point)
            point.arm(.init(request: 1, sendsOnly: false, served: false))
            // The crashing request has come in; its state is not kept yet.
            guard case .crash = point.turn(method: "GET", target: "/api/v1/conversations/") else { Issue.record("no crash"); return }
            let answered = Mutex(false)
            let dead = Task {
                _ = await studio.answer(method: "GET", target: "/api/v1/conversations/", headers: [], body: nil)
                answered.withLock { $0 = true }
            }
            for _ in 0..<200 { await Task.yield() }
            #expect(!answered.withLock { $0 }, "the dead process heard back before its crash's state was kept")
            point.crashNow()
            await dead.value
            #expect(answered.withLock { $0 })
        }
    }
}
