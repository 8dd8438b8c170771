import Foundation
import PixiesetKit
import PXConfig
import PXNotify
import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// Issue 33: a state locked by another process holds back the work that needs it, never the
/// process. A probe on Swift's cooperative pool measures its own lateness while the daemon and
/// its courier meet the lock; past 250 ms a cooperative thread was blocked. These tests run alone
/// (`scripts/test` runs them after the parallel suite, with `PXSCRIPT_PROBE_ALONE=1`), so other tests'
/// CPU does not count.
@Suite(
    "Responsiveness: a locked state blocks no cooperative thread", .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["PXSCRIPT_PROBE_ALONE"] == "1",
        "runs alone (scripts/test sets PXSCRIPT_PROBE_ALONE=1): beside other suites their CPU, not a blocked thread, makes it late"))
struct ResponsivenessTests {
    static let limit = Duration.milliseconds(250)

    @Test("the daemon meets a locked state and its courier records two deliveries there: the probe is never late past 250 ms, every message is answered once")
    func lockedStateUnderWatch() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                receiver.hold()
                let notifying = Notifying(
                    [.webhook(url: base + "/a", format: .text), .webhook(url: base + "/b", format: .text)], log: studio.log, now: { studio.clock.now() })
                let script = """
                    px.on("message", function(event)
                      px.notify("new message from " .. event.client.name)
                      event:reply("thanks, " .. event.client.name)
                    end)
                    """
                let probe = ResponsivenessProbe()
                do {
                    // The daemon runs the courier of its notifier over its states, as `watch` does.
                    try await studio.daemon([("reply.lua", script)], notifier: notifying.notifier, busyTimeout: 0.5) {
                        let ids = try studio.clientConversations(2)
                        try await studio.clientWrites(ids[0], "Hello?")
                        await studio.advance(by: 60)
                        // Both targets' workers hold the notice, waiting for the webhook's answer.
                        #expect(await receiver.wait { receiver.arrived.withLock { $0.count } == 2 })
                        let lock = try await StateLock(state: studio.statePath("reply.lua"))
                        // The answers come while the state is locked: each worker's record waits for the lock.
                        receiver.release()
                        #expect(await receiver.wait { studio.log.all.filter { $0.contains("could not be recorded yet") }.count == 2 })
                        // The daemon meets the lock too, and waits it out.
                        try await studio.clientWrites(ids[1], "Hi")
                        await studio.advance(by: 30)
                        #expect(studio.log.all.contains { $0.contains("holds the state locked") })
                        await lock.release()
                        await studio.advance(by: 60)
                        #expect(try studio.studioMessages(in: ids[0]).filter { $0.content.hasPrefix("thanks") }.count == 1)
                        #expect(try studio.studioMessages(in: ids[1]).filter { $0.content.hasPrefix("thanks") }.count == 1)
                    }
                }
                let worst = probe.stop()
                await notifying.close()
                #expect(worst < Self.limit, "the cooperative pool left the probe waiting \(worst)")
                // The fault was told once and its end once, to each target, though its only state could not record them.
                let bodies = receiver.delivered
                #expect(bodies.filter { $0.contains("a state file cannot be written") }.count == 2, "\(bodies)")
                #expect(bodies.filter { $0.contains("can be written again") }.count == 2, "\(bodies)")
            }
        }
    }
}
