import Foundation
import StudioSandbox

/// Issue 6's and 18's figures: requests per idle poll, message → reply
/// latency at `--interval 1s`, and the daemon's resident memory, idle and
/// while it tracks 10,000 conversations, for one script and for three in
/// one daemon. The daemon is a real `pxscript watch` process; the sandbox
/// runs in this process and counts API calls.
nonisolated func runWatchBenchmarks(pxscriptPath: String) async throws {
    for scripts in [1, 3] { try await runWatchBenchmark(pxscriptPath: pxscriptPath, scripts: scripts) }
}

/// With three scripts: an auto-reply, a vacation reply and an hourly digest.
nonisolated func runWatchBenchmark(pxscriptPath: String, scripts count: Int) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxwatch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let sources = [
        "echo.lua": "px.on('message', function(event) event:reply('Got it') end)\n",
        "vacation.lua": "px.on('message', function(event) event:reply('Away until Monday') end)\n",
        "digest.lua": "px.every('1h', function() px.store.set('n', (px.store.get('n') or 0) + 1) end)\n",
    ]
    var scripts: [String] = []
    for name in ["echo.lua", "vacation.lua", "digest.lua"].prefix(count) {
        let path = folder.appendingPathComponent(name).path
        try sources[name]!.write(toFile: path, atomically: true, encoding: .utf8)
        scripts.append(path)
    }
    let label = count == 1 ? "1 script" : "\(count) scripts"

    var configuration = SandboxConfiguration()
    configuration.seed = .scale(10_000)
    try await StudioSandbox.withRunning(configuration) { sandbox in
        var environment = ProcessInfo.processInfo.environment
        environment["PIXIESET_COOKIE"] = sandbox.cookie
        environment["PXSCRIPT_BASE_URL"] = sandbox.baseURL
        environment["HOME"] = folder.path
        environment["XDG_STATE_HOME"] = folder.path
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: pxscriptPath)
        daemon.arguments = ["watch"] + scripts + ["--interval", "1s", "--quiet"]
        daemon.environment = environment
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { daemon.terminate() }
        try await Task.sleep(for: .seconds(3))
        let idleRSS = residentKiB(daemon.processIdentifier)
        let before = sandbox.controls.apiRequests
        try await Task.sleep(for: .seconds(20))
        let idleRequests = sandbox.controls.apiRequests - before
        print("watch, \(label), " + String(format: "idle, --interval 1s, 20 s: %d requests (≈ %.2f per poll; goal ≤ 1.25: one, and one in four for the slow rotation)", idleRequests, Double(idleRequests) / 20))

        // 200 client messages, 10 a second, in different conversations.
        let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
        var written: [(id: String, conversation: String, at: Double)] = []
        for index in 0..<200 {
            let conversation = ids[(index * 37) % ids.count]
            let message = try await sandbox.database.clientWritesIn(conversationID: conversation, content: "Hello \(index)")
            written.append((message.id, conversation, message.sentAt.secondsSince1970))
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(4))
        let busyRSS = residentKiB(daemon.processIdentifier)
        var latencies: [Double] = []
        let replies = try sandbox.database.allMessages().filter { $0.content == "Got it" }
        let byConversation = Dictionary(grouping: replies, by: \.conversationID)
        for message in written {
            // The reply is the first "Got it" in that conversation after the message.
            let times = try (byConversation[message.conversation] ?? []).compactMap { reply in
                try sandbox.database.sentAt(ofMessage: reply.id)
            }.filter { $0 >= message.at }.sorted()
            if let first = times.first { latencies.append(first - message.at) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print("watch, \(label): " + String(format: "message → reply at --interval 1s over %d of 200 messages: p50 %.2f s, p99 %.2f s (goal p50 ≤ 0.6 s, p99 ≤ 1.2 s)",
                     latencies.count, percentile(0.5), percentile(0.99)))
        print("watch, \(label), " + String(format: "resident memory: idle %.1f MiB (goal ≤ %d), after handling 200 messages while tracking 10,000 conversations %.1f MiB (goal ≤ 80)",
                     Double(idleRSS) / 1024, count == 1 ? 40 : 48, Double(busyRSS) / 1024))
    }
}

/// VmRSS of a live process, in KiB (0 when unknown).
func residentKiB(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
}
