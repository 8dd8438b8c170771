import Foundation
import Logging
import PXRuntime
import PXTest
import PixiesetKit
import StudioSandbox

/// Issue 19's replay figure: `--replay 90d` of an echo script over a large
/// sandbox studio (`scale:N`, three messages per conversation over a year),
/// in wall time, with the client messages it played.
nonisolated func runReplayBenchmark(conversations: Int = 20_000) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxreplay-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let script = folder.appendingPathComponent("echo.lua").path
    try "px.on('message', function(event) event:reply('Got it') end)\n".write(toFile: script, atomically: true, encoding: .utf8)
    var configuration = SandboxConfiguration()
    configuration.seed = .scale(conversations)
    try await StudioSandbox.withRunning(configuration) { sandbox in
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie)
        let began = ContinuousClock.now
        let timeline = try await PixiesetClient.withClient(api, logger: logger) { client in
            var replay = Replay(script: script, window: 90 * 86_400, options: ScenarioOptions(zone: TimeZone(identifier: "UTC")!))
            replay.limit = conversations
            return try await replay.run(reading: client, own: { _ in [] }, now: Date())
        }
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "replay 90d over scale:%d: %d client messages in %d conversations, %d replies, %.2f s wall (goal ≤ 10 s for 10,000 messages)",
                     conversations, timeline.clientMessages, timeline.conversations, timeline.sends.count, seconds))
    }
}
