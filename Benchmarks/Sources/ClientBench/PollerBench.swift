import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState
import StudioSandbox

/// Issue 17's figures: what the sweep costs (requests per hour for 1,000
/// conversations at --interval 30s), and how long a poll over 50 changed
/// conversations takes when one answer in four is 5 s slow (goal ≤ 7 s:
/// the detail reads run 16 at a time, so no slow answer waits for another).
nonisolated func runPollerBenchmarks() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxpoll-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    // The sweep: 1,000 conversations, a third of them active in the last day.
    try await withPollerSandbox(seed: 1_000, state: folder.appendingPathComponent("sweep.sqlite").path) { sandbox, client, store in
        let now = { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }
        let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
        for id in ids.prefix(300) { _ = try await sandbox.database.clientWritesIn(conversationID: id, content: "Recent") }
        let idle = Poller(client: client, store: store, logger: .init(label: "bench"), sweepInterval: .infinity)
        _ = try await idle.poll(now: now())
        _ = try await idle.poll(now: now())
        let sweeping = Poller(client: client, store: store, logger: .init(label: "bench"), sweepInterval: 0)
        let before = sandbox.controls.apiRequests
        _ = try await sweeping.poll(now: now())
        let sweep = sandbox.controls.apiRequests - before
        // Per hour at --interval 30s: 120 polls, 6 of them sweeps.
        let perHour = 114 + 6 * sweep
        print("sweep over 1,000 conversations (300 active in the last day): \(sweep) requests; at --interval 30s, \(perHour) requests an hour (idle without sweeps: 120)")
    }

    // 50 changed conversations, one answer in four 5 s slow.
    try await withPollerSandbox(seed: 200, state: folder.appendingPathComponent("slow.sqlite").path) { sandbox, client, store in
        let now = { Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970) }
        let poller = Poller(client: client, store: store, logger: .init(label: "bench"), pageSize: 100, sweepInterval: .infinity)
        _ = try await poller.poll(now: now())
        let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
        for id in ids.prefix(50) { _ = try await sandbox.database.clientWritesIn(conversationID: id, content: "Hello") }
        sandbox.controls.setFaults(try FaultPlan(parsing: "slow=0.25,slow_latency=5s,seed=3"))
        let started = ContinuousClock.now
        let result = try await poller.poll(now: now())
        let elapsed = ContinuousClock.now - started
        sandbox.controls.setFaults(.none)
        print(String(format: "poll over %d changed conversations, one answer in four 5 s slow: %.1f s (goal ≤ 7 s)",
                     result.conversations.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
}

/// A sandbox seeded with `seed` conversations, a client of it and a state at `state`.
nonisolated func withPollerSandbox(
    seed: Int, state: String, _ body: (RunningSandbox, PixiesetClient, StateStore) async throws -> Void
) async throws {
    var configuration = SandboxConfiguration()
    configuration.seed = .scale(seed)
    try await StudioSandbox.withRunning(configuration) { sandbox in
        let store = try StateStore(path: state)
        defer { try? store.close() }
        let api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie)
        try await PixiesetClient.withClient(api) { client in try await body(sandbox, client, store) }
    }
}
