import Foundation
import PXTest

/// Issue 19's figure: scenarios that each simulate 30 days of a watched
/// script with an hourly schedule (and a client writing in every day), run
/// by `pxscript test`'s runner in-process, in wall time.
nonisolated func runScenarioBenchmark(count: Int = 100) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxscenarios-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try """
        px.every("1h", function() px.store.set("hourly", (px.store.get("hourly") or 0) + 1) end)
        px.on("message", function(event) event:reply("Thanks, " .. event.client.name) end)
        """.write(to: folder.appendingPathComponent("busy.lua"), atomically: true, encoding: .utf8)
    var scenarios = "local t = px.test\n"
    for index in 0..<count {
        scenarios += """
            t.scenario("30 days #\(index)", function(s)
              s:at("2026-03-02 00:00")
              s:watch("busy.lua")
              local c = s:conversation{ client = "Client \(index)" }
              for day = 1, 30 do
                s:client_writes(c, "Day " .. day, { after = "1d" })
              end
              s:advance("1h")
              s:expect_sent(c, { count = 30 })
              assert(s:store("hourly") == 30 * 24 + 1, "hourly: " .. tostring(s:store("hourly")))
            end)

            """
    }
    let file = folder.appendingPathComponent("busy_test.lua")
    try scenarios.write(to: file, atomically: true, encoding: .utf8)
    let runner = ScenarioRunner(options: ScenarioOptions(zone: TimeZone(identifier: "UTC")!))
    let began = ContinuousClock.now
    let outcomes = try await runner.run(file: file.path)
    let elapsed = ContinuousClock.now - began
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let failed = outcomes.filter { !$0.passed }
    print(String(format: "%d scenarios of 30 days each (hourly schedule, a client message a day): %.2f s wall, %d failed (goal ≤ 5 s for 100)",
                 outcomes.count, seconds, failed.count))
    if let first = failed.first { print("  first failure: \(first.failure ?? "")") }
}
