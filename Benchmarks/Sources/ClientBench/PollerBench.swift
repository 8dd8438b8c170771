import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState
import StudioSandbox

/// Issue 17's and 30's figures: what an idle daemon costs the studio (requests an hour for
/// 1,000 conversations at --interval 30s, polite and sweeping), and how long a poll over 50 changed
/// conversations takes when one answer in four is 5 s slow (goal ≤ 7 s:
/// the detail reads run 16 at a time, so no slow answer waits for another).
nonisolated func runPollerBenchmarks() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxpoll-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    // An idle hour at --interval 30s: 1,000 conversations, 300 of them active in the last day.
    // 120 polls of the daemon's own poller (the studio's time moved 30 s each), polite, then wary.
    try await withPollerSandbox(seed: 1_000, state: folder.appendingPathComponent("sweep.sqlite").path) { sandbox, client, store in
        let start = Date(timeIntervalSince1970: sandbox.database.clock.now().secondsSince1970)
        let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
        for id in ids.prefix(300) { _ = try await sandbox.database.clientWritesIn(conversationID: id, content: "Recent") }
        func hour(wary: Bool) async throws -> Int {
            let poller = Poller(client: client, store: store, logger: .init(label: "bench"))
            // The first start reads recent conversations in full once; not part of the idle hour.
            _ = try await poller.poll(now: start)
            let before = sandbox.controls.apiRequests
            for index in 1...120 {
                let now = start.addingTimeInterval(Double(index) * 30)
                if wary { try store.settings.set(.lastQuirk, String(now.timeIntervalSince1970)) }
                _ = try await poller.poll(now: now)
            }
            return sandbox.controls.apiRequests - before
        }
        let polite = try await hour(wary: false)
        try store.settings.set(.lastSweep, String(start.timeIntervalSince1970))
        let wary = try await hour(wary: true)
        print("idle daemon at --interval 30s over 1,000 conversations (300 active in the last day): \(polite) requests an hour (goal ≤ 150; its polls: 120); while the API shows faults (sweeping every 10 minutes): \(wary)")
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
