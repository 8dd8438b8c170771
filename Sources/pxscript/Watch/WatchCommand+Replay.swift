import Foundation
import Logging
import PixiesetKit
import PXRuntime
import PXState
import PXTest

extension WatchCommand {
    /// `pxscript watch SCRIPT --replay 30d`: what the script would have said over the last
    /// days of the real inbox, played on a studio of its own. Reads only; nothing is sent or recorded.
    static func replay(
        _ window: Double, script: String, options: RuntimeOptions, api: APIConfiguration, statePath: String, logger: Logger
    ) async throws {
        let clock = try RuntimeClock(environment: options.environment)
        var api = api
        api.studioClock = clock.studio
        // pxscript's own earlier sends are left out (the replay's stand in): read from the states, never written.
        let own = OwnMessages(
            record: AutomatedMessages(folder: StatePath.folder(environment: options.environment), ownState: statePath, create: false), store: nil)
        var scenario = ScenarioOptions(zone: options.timeZone)
        scenario.maxSends = options.maxSends
        scenario.allowRead = options.allowRead
        let timeline = try await PixiesetClient.withClient(api, logger: logger) { client in
            await client.measureClock()
            return try await Replay(script: script, window: window, options: scenario).run(
                reading: client, own: { own.sent(ids: $0) }, now: clock.now())
        }
        let count = timeline.sends.count
        printNow(
            "replay of \(script) over the last \(DurationText.format(window)): \(timeline.clientMessages) client message(s) in "
                + "\(timeline.conversations) conversation(s); \(count) message\(count == 1 ? "" : "s") would have been sent (nothing was)")
        for send in timeline.sends {
            var lines = ["\(send.at)  to \(send.conversation) (\(send.client))\(send.line.isEmpty ? "" : "  [\(send.line)]")"]
            lines += send.text.split(separator: "\n", omittingEmptySubsequences: false).map { "  | \($0)" }
            if !send.attachments.isEmpty { lines.append("  attachments: \(send.attachments.joined(separator: ", "))") }
            printNow(lines.joined(separator: "\n"))
        }
    }
}
