import Foundation
import StudioSandbox
import Testing
import TestSupport

/// `watch` against an API with one fault at a time (issue 17): clients write
/// in while the daemon runs; every client message gets exactly one reply,
/// history none, the daemon's own replies none, and a stop exits 0.
@Suite("watch under a faulty API's quirks", .serialized)
struct PollerQuirkTests {
    @Test("exactly one reply per client message, none to history or to its own replies, exit 0", arguments: [
        "studio_as_client", "get_404", "post_empty_body", "coarse_timestamps", "no_last_page", "stale_last_message_at",
        "future_timestamp", "capped_messages=20", "eventual_consistency=3s", "unordered", "mark_read_on_get", "post_empty_body,eventual_consistency=3s",
    ])
    func quirk(_ quirk: String) async throws {
        let serve = try await ServeProcess(arguments: ["--quirks", quirk])
        let folder = try RunFolder(["echo.lua": WatchCommandTests.echo])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("quirk.sqlite")
        let first = try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env)
        #expect(first.status == 0, "\(quirk): \(first.stderr)")
        var targets = try await WatchCommandTests.conversations(serve, env: env)
        // get_404 refuses the studio's first conversation by id: its messages cannot be read, by anyone.
        let unreadable = quirk == "get_404" ? try await WatchCommandTests.conversations(serve, env: env, count: 100).min() : nil
        targets.removeAll { $0 == unreadable }
        let daemon = try startPxscript(["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env, capture: true)
        var written: [String] = []
        if let unreadable { _ = try await WatchCommandTests.clientWrites(serve, unreadable, "Can anyone read this?", env: env) }
        for round in 0..<2 {
            for target in targets.prefix(3) {
                // Two messages at once: under coarse timestamps they share a second.
                written.append(try await WatchCommandTests.clientWrites(serve, target, "Question \(round)a", env: env))
                written.append(try await WatchCommandTests.clientWrites(serve, target, "Question \(round)b", env: env))
            }
            // Each round answered before the next is written: the rounds come to different polls.
            try await until("\(quirk): round \(round) answered\n\(daemon.stderr)") {
                Set(try WatchCommandTests.replies(serve).keys).isSuperset(of: written)
            }
        }
        // One more message, written once every reply is out, and answered: the polls that read it read the
        // replies too, so a loop or a second copy would show by then (and a stop lets a send under way finish).
        let last = try await WatchCommandTests.clientWrites(serve, targets[0], "One more thing", env: env)
        written.append(last)
        try await until("\(quirk): the last message answered\n\(daemon.stderr)") { try WatchCommandTests.replies(serve)[last] != nil }
        daemon.signal(SIGTERM)
        let status = await daemon.exited()
        let replies = try WatchCommandTests.replies(serve)
        #expect(status == 0, "\(quirk): exit \(status)\n\(daemon.stderr)")
        #expect(replies == Dictionary(uniqueKeysWithValues: written.map { ($0, 1) }), "\(quirk): \(replies.count) replies for \(written.count) messages\n\(daemon.stderr)")
        _ = await serve.stop()
    }

    @Test("SIGTERM during a slow poll exits 0 at once, with the state consistent; an unreachable studio does not end the daemon")
    func stopDuringSlowPoll() async throws {
        // --verbose: the sandbox logs each request as it comes in.
        let serve = try await ServeProcess(arguments: ["--verbose"])
        let folder = try RunFolder(["echo.lua": WatchCommandTests.echo])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("slow.sqlite")
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        let daemon = try startPxscript(["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("info: watching ") }
        // Every answer now takes 45 s, longer than a graceful stop waits (30 s): the daemon is inside a poll when it is stopped.
        _ = try await shell("curl -s -X PUT -d '{\"spec\": \"latency=45s\"}' http://127.0.0.1:\(serve.port)/_sandbox/faults", environment: env)
        // A request of the poll came in after the change: it is held up.
        await until("a poll held up (\(serve.child.stderr))") {
            let sinceChange = serve.child.stderr.components(separatedBy: "path=/_sandbox/faults").dropFirst()
            return sinceChange.last?.contains("path=/api/v1/") == true
        }
        daemon.signal(SIGTERM)
        let stopAsked = Date()
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        print("stopped \(Date().timeIntervalSince(stopAsked)) s after SIGTERM")
        #expect(!daemon.stderr.contains("CancellationError"), "\(daemon.stderr)")
        _ = try await shell("curl -s -X PUT -d '{\"spec\": \"\"}' http://127.0.0.1:\(serve.port)/_sandbox/faults", environment: env)
        let status = try await pxscript(["status", "--state", state], environment: env)
        #expect(status.status == 0, "\(status.stderr)")

        // The studio goes away and comes back: the daemon waits for it and answers afterwards.
        let port = serve.port
        _ = await serve.stop()
        var unreachable = env
        unreachable["PXSCRIPT_BASE_URL"] = "http://127.0.0.1:\(port)/api/v1"
        let waiting = try startPxscript(["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: unreachable, capture: true)
        // Reads are retried (up to 6 attempts) before a poll gives up; then the daemon says so and waits.
        _ = await Patience.wait(every: .milliseconds(100)) { waiting.stderr.contains("trying again every poll") || !waiting.isRunning }
        #expect(waiting.isRunning, "the daemon exited: \(waiting.stderr)")
        #expect(waiting.stderr.contains("trying again every poll"), "\(waiting.stderr)")
        waiting.signal(SIGTERM)
        #expect(await waiting.exited() == 0, "\(waiting.stderr)")
    }
}
