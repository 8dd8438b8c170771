import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

@testable import PXTest

/// `--replay` (issue 19) shows what the daemon would have sent: the same
/// replies as a daemon that watched the same history as it happened.
@Suite("Replay")
struct ReplayTests {
    static let script = """
        px.on("message", function(event)
          if event.answered then return end
          if not px.once("ack:" .. event.conversation.id, "1d") then return end
          event:reply("Thanks " .. event.client.name .. ", I'll answer soon.")
        end)
        """

    @Test("a replay of a studio's last days sends, in its own studio, what a daemon watching them sent, and reads the studio only")
    func sameAsDaemon() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxreplay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.script.write(to: folder.appendingPathComponent("ack.lua"), atomically: true, encoding: .utf8)
        let options = ScenarioOptions(zone: TimeZone(identifier: "UTC")!)
        let start = ScenarioTime.parse("2026-06-01 08:00", zone: options.zone)!
        try await ScenarioRunner.withWorld(start: start, zone: options.zone, demo: false, folders: [folder.path], options: options, log: ScenarioLog()) { world in
            // The history, as it happened, with the daemon watching.
            try await world.watch(["ack.lua"], interval: 30)
            let emma = try await world.conversation(client: "Emma Wilson", email: nil, subject: "Engagement")
            let liam = try await world.conversation(client: "Liam Chen", email: nil, subject: "Family")
            let plan: [(conversation: String, client: Bool, text: String, after: Double)] = [
                (emma, true, "Are you free in June?", 3_600), (emma, true, "Also, what about July?", 600),
                (liam, true, "Hello!", 7_200), (liam, false, "Hi Liam, yes!", 900), (liam, true, "Great, thanks", 3_600),
                (emma, true, "Any news?", 90_000), (liam, true, "One more question", 100_000),
            ]
            for step in plan {
                try await world.write(byClient: step.client, conversation: step.conversation, text: step.text, after: step.after)
            }
            await world.advance(by: 3_600)
            let watched = await world.uncheckedSends()
            #expect(watched.count >= 4, "\(watched.map(\.text))")
            await world.finish()

            // The replay of those days, reading that studio.
            let sandbox = await world.sandbox, client = await world.client, now = await world.clock.now()
            let before = sandbox.controls.apiRequests
            let messages = try sandbox.database.allMessages().count
            let replay = Replay(script: folder.appendingPathComponent("ack.lua").path, window: 5 * 86_400, options: options)
            let sent = Set(watched.map(\.id))
            let timeline = try await replay.run(reading: client, own: { ids in Set(ids).intersection(sent) }, now: now)
            #expect(try sandbox.database.allMessages().count == messages, "the replay wrote to the studio it read")
            #expect(sandbox.controls.apiRequests > before)

            // The same replies, to the same conversations, within a poll of the daemon's.
            #expect(timeline.sends.map(\.conversation) == watched.map(\.conversation), "\(timeline.sends.map(\.text)) vs \(watched.map(\.text))")
            #expect(timeline.sends.map(\.text) == watched.map(\.text))
            for (replayed, original) in zip(timeline.sends, watched) {
                let a = ScenarioTime.parse(replayed.at, zone: options.zone)!, b = ScenarioTime.parse(original.at, zone: options.zone)!
                #expect(abs(a.timeIntervalSince(b)) <= 60, "\(replayed.at) vs \(original.at)")
            }
        }
    }
}
