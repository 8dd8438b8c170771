import Foundation
import Logging
import PXRuntime
import PXTest
import PixiesetKit
import PixiesetModels
import StudioSandbox

/// Issue 18's figure: 30 virtual days of a busy watched script (1,000 client
/// messages, an hourly and a daily schedule, debounced replies) run
/// in-process on a `VirtualClock`, in wall time.
nonisolated func runVirtualDaysBenchmark() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxdays-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let script = folder.appendingPathComponent("busy.lua").path
    try """
        px.every("1h", function() px.store.set("hourly", (px.store.get("hourly") or 0) + 1) end)
        px.cron("0 9 * * *", function() px.store.set("daily", (px.store.get("daily") or 0) + 1) end)
        px.on("message", function(event) event:reply("Thanks, " .. event.client.name) end, { debounce = "2m" })
        """.write(toFile: script, atomically: true, encoding: .utf8)
    let start = Date(timeIntervalSince1970: 1_772_409_600)  // 2026-03-02T00:00:00Z
    let changes = StudioChanges()
    let clock = VirtualClock(start: start, studioVersion: { changes.version() })
    var configuration = SandboxConfiguration()
    configuration.clock = FollowingClock(reference: Timestamp(microseconds: Int64(start.timeIntervalSince1970) * 1_000_000)) {
        Timestamp(microseconds: Int64((clock.now().timeIntervalSince1970 * 1_000_000).rounded()))
    }
    try await StudioSandbox.withRunning(configuration) { sandbox in
        changes.attach(sandbox.database)
        // The studio answers in process, as it does for `pxscript test` (no socket, no event loop).
        let runtime = RuntimeClock(virtual: clock)
        var options = RuntimeOptions(scriptPath: script, timeZone: TimeZone(identifier: "UTC")!)
        options.watch = true
        options.maxSends = 1_000
        var watch = WatchService.Configuration(
            scripts: [.init(path: script, options: options, statePath: folder.appendingPathComponent("busy.sqlite").path)],
            api: try sandbox.inProcessAPI(studioClock: runtime.studio),
            clock: runtime)
        watch.locksAccount = false
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let service = WatchService(watch, logger: logger)
        let ids = try sandbox.database.conversationIDs(ofStudio: try sandbox.database.homeStudioID())
        let began = ContinuousClock.now
        let task = service.start()
        await clock.advance(to: start)
        // 1,000 client messages, spread over 30 days, in turn over the conversations.
        let spacing = 30 * 86_400.0 / 1_000
        for index in 0..<1_000 {
            await clock.advance(to: start.addingTimeInterval(Double(index) * spacing + 17))
            _ = try await sandbox.database.clientWritesIn(conversationID: ids[index % ids.count], content: "Message \(index)")
        }
        await clock.advance(to: start.addingTimeInterval(30 * 86_400))
        let elapsed = ContinuousClock.now - began
        task.cancel()
        try await task.value
        let replies = try sandbox.database.allMessages().filter { $0.content.hasPrefix("Thanks, ") }.count
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "30 virtual days in-process (1,000 client messages, %d replies, hourly + daily schedules, %d API requests): %.2f s wall (goal ≤ 2 s)",
                     replies, sandbox.controls.apiRequests, seconds))
    }
}
