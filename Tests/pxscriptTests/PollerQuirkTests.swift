import Foundation
import StudioSandbox
import Testing

/// `watch` against an API with one fault at a time (issue 17): clients write
/// in while the daemon runs; every client message gets exactly one reply,
/// history none, the daemon's own replies none, and a stop exits 0.
@Suite("watch under a faulty API's quirks")
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
        let unreadable = quirk == "get_404" ? try await Self.allConversations(serve, env: env).min() : nil
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
            try await Task.sleep(for: .milliseconds(700))
        }
        var replies: [String: Int] = [:]
        for _ in 0..<150 {
            replies = try WatchCommandTests.replies(serve)
            if Set(replies.keys).isSuperset(of: written) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        // A little longer: a loop or a second copy would show now.
        try await Task.sleep(for: .milliseconds(1500))
        replies = try WatchCommandTests.replies(serve)
        daemon.signal(SIGTERM)
        let status = daemon.wait()
        #expect(status == 0, "\(quirk): exit \(status)\n\(daemon.stderr)")
        #expect(replies == Dictionary(uniqueKeysWithValues: written.map { ($0, 1) }), "\(quirk): \(replies.count) replies for \(written.count) messages\n\(daemon.stderr)")
        _ = await serve.stop()
    }

    static func allConversations(_ serve: ServeProcess, env: [String: String]) async throws -> [String] {
        let outcome = try await pxscript(["api", "GET", "/conversations/", "-q", "page_size=100"], environment: env)
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        return (object?["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }
}
