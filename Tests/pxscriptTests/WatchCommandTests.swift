import Foundation
import PixiesetModels
import StudioSandbox
import Testing
import TestSupport

@Suite("pxscript watch")
struct WatchCommandTests {
    static let echo = """
        px.on("message", function(event)
          event:reply("Got it: " .. event.message.id)
        end)
        """

    /// Client messages, and the replies that name them, from the sandbox's database file.
    static func replies(_ serve: ServeProcess) throws -> [String: Int] {
        try messages(serve).filter { $0.hasPrefix("Got it: ") }.reduce(into: [:]) { $0[String($1.dropFirst(8)), default: 0] += 1 }
    }

    /// The text of every message in the sandbox's database file.
    static func messages(_ serve: ServeProcess) throws -> [String] {
        var configuration = SandboxConfiguration()
        configuration.clock = StartingClock(start: try #require(Timestamp(parsing: "2026-03-01T09:00:00Z")))
        let database = try StudioSandbox.openDatabase(configuration, path: serve.database)
        return try database.allMessages().map(\.content)
    }

    static func clientWrites(_ serve: ServeProcess, _ conversation: String, _ text: String, env: [String: String]) async throws -> String {
        let outcome = try await pxscript(["sandbox", "message", conversation, text, "--port", String(serve.port)], environment: env)
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String, "\(outcome.stderr)")
    }

    /// The config file the folder's environment points at, holding `cookie` (mode 0600).
    static func writeConfig(in folder: RunFolder, cookie: String) throws {
        let config = folder.path("config/pxscript/config.toml")
        try FileManager.default.createDirectory(atPath: folder.path("config/pxscript"), withIntermediateDirectories: true)
        try "cookie = \"\(cookie)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)
    }

    /// The ids of the first `count` conversations of the list.
    static func conversations(_ serve: ServeProcess, env: [String: String], count: Int = 8) async throws -> [String] {
        let outcome = try await pxscript(["api", "GET", "/conversations/", "-q", "page_size=\(count)"], environment: env)
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        return (object?["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test("--once: the first start answers nothing; then one reply per new client message; a second daemon on the state is refused")
    func once() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("watch.sqlite")
        let args = ["watch", folder.path("echo.lua"), "--once", "--state", state]
        #expect(try await pxscript(args, environment: env).status == 0)
        let targets = try await Self.conversations(serve, env: env)
        var written: [String] = []
        for id in targets.prefix(3) { written.append(try await Self.clientWrites(serve, id, "Hello!", env: env)) }
        let second = try await pxscript(args, environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("3 answered"), "\(second.stderr)")
        #expect(try await pxscript(args, environment: env).status == 0)
        #expect(try Self.replies(serve) == Dictionary(uniqueKeysWithValues: written.map { ($0, 1) }))
        // The journal keeps each message handled, beside the sends.
        let history = try await pxscript(["status", "--state", state, "--history"], environment: env)
        let handled = history.stdout.split(separator: "\n").filter { $0.contains("  handled  ") }
        #expect(handled.count == 3, "\(history.stdout)")
        for id in written { #expect(handled.contains { $0.hasSuffix(id) }, "\(history.stdout)") }

        // Two daemons on one state: the second is refused, naming the first.
        let daemon = try startPxscript(["watch", folder.path("echo.lua"), "--state", state, "--interval", "1s"], environment: env, capture: true)
        // It says it is watching once it holds its locks (the state's and the account's).
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("info: watching ") }
        let refused = try await pxscript(args, environment: env)
        #expect(refused.status == 1 && refused.stderr.contains("another pxscript watch (pid \(daemon.pid))"))
        // Another state, the same account: refused too, naming the first daemon and its state.
        let other = try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", folder.path("other.sqlite")], environment: env)
        #expect(other.status == 1 && other.stderr.contains("pid \(daemon.pid), state \(state)"), "\(other.stderr)")
        #expect(other.stderr.contains("one message-handling daemon per account"))
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0)
        _ = await serve.stop()
    }

    @Test("one daemon per account whatever the spelling: localhost for 127.0.0.1, the cookie with an analytics pair")
    func accountSpelling() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", folder.path("a.sqlite"), "--interval", "1s"], environment: env, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("info: watching ") }
        var other = env
        other["PXSCRIPT_BASE_URL"] = "http://localhost:\(serve.port)/api/v1"
        other["PIXIESET_COOKIE"] = "_ga=GA1.2.345; session_cookie=sandbox; _gid=GA1.2.6"
        let refused = try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", folder.path("b.sqlite")], environment: other)
        #expect(refused.status == 1 && refused.stderr.contains("one message-handling daemon per account"), "\(refused.stderr)")
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0)
        _ = await serve.stop()
    }

    @Test("a crash at each named instant, then a restart: exactly one reply", arguments: [
        "after-intent", "after-send", "in-handler", "after-handler",
    ])
    func crashPoints(point: String) async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        var env = folder.environment(serve)
        let args = ["watch", folder.path("echo.lua"), "--once", "--state", folder.path("crash.sqlite")]
        #expect(try await pxscript(args, environment: env).status == 0)
        let target = try #require(try await Self.conversations(serve, env: env).first)
        let written = try await Self.clientWrites(serve, target, "Hello?", env: env)
        env["PXSCRIPT_CRASH_AT"] = point
        env["PXSCRIPT_CRASH_MARKER"] = folder.path("crashed")
        let crashed = try await pxscript(args, environment: env)
        #expect(crashed.status == 86, "\(point): \(crashed.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.path("crashed")))
        // Restarted (the marker disarms the switch): the reply goes out once.
        let restarted = try await pxscript(args, environment: env)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(try await pxscript(args, environment: env).status == 0)
        #expect(try Self.replies(serve) == [written: 1], "\(point)")
        _ = await serve.stop()
    }

    @Test("an expired session stops sends; a new cookie in the config file resumes them; --exit-on-expiry exits 77")
    func expiry() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        let state = folder.path("expiry.sqlite")
        var env = folder.environment(serve)
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        let target = try #require(try await Self.conversations(serve, env: env).first)
        // From now on the cookie comes from the config file, and it is wrong.
        env["PIXIESET_COOKIE"] = nil
        func writeConfig(_ cookie: String) throws { try Self.writeConfig(in: folder, cookie: cookie) }
        try writeConfig("session_cookie=expired")
        var withCookie = env
        withCookie["PIXIESET_COOKIE"] = "session_cookie=sandbox"
        let exited = try await pxscript(["watch", folder.path("echo.lua"), "--once", "--exit-on-expiry", "--state", state], environment: env)
        #expect(exited.status == 77 && exited.stderr.contains("session expired"), "\(exited.status) \(exited.stderr)")

        var daemonEnvironment: [String: String?] = env
        daemonEnvironment["PIXIESET_COOKIE"] = .some(nil)
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.3s"], environment: daemonEnvironment, capture: true)
        await until("the daemon to find the session expired (\(daemon.stderr))") { daemon.stderr.contains("waiting for a new cookie") }
        let written = try await Self.clientWrites(serve, target, "Anyone there?", env: withCookie)
        let status = try await pxscript(["status", "--state", state], environment: env)
        #expect(status.stdout.contains("session: expired at"), "\(status.stdout)")
        #expect(try Self.replies(serve).isEmpty)
        try writeConfig("session_cookie=sandbox")
        // Up to 30 s: a loaded machine renews slowly.
        try await until("the reply after the new cookie (\(daemon.stderr))") { try !Self.replies(serve).isEmpty }
        let replies = try Self.replies(serve)
        daemon.signal(SIGINT)
        await daemon.exited()
        #expect(replies == [written: 1])
        #expect(try await pxscript(["status", "--state", state], environment: env).stdout.contains("session: ok"))
        _ = await serve.stop()
    }

    @Test("a refused CSRF token stops sends, not reads, and uses up no tries; a config with the XSRF pair resumes them, once; --exit-on-expiry exits 78")
    func csrfRefused() async throws {
        let serve = try await ServeProcess(arguments: ["--quirks", "csrf"])
        // The echo, saying so each time it handles a message: its tries can be counted.
        let counted = """
            px.on("message", function(event)
              px.log.info("handling " .. event.message.id)
              event:reply("Got it: " .. event.message.id)
            end)
            """
        let folder = try RunFolder(["echo.lua": counted])
        defer { folder.remove() }
        let state = folder.path("csrf.sqlite")
        // The environment's cookie has no XSRF-TOKEN pair: reads work, writes are refused.
        var env = folder.environment(serve)
        env["PIXIESET_COOKIE"] = "session_cookie=sandbox"
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        let target = try #require(try await Self.conversations(serve, env: env).first)
        let written = try await Self.clientWrites(serve, target, "Are you free on Sunday?", env: env)
        let exited = try await pxscript(["watch", folder.path("echo.lua"), "--once", "--exit-on-expiry", "--state", state], environment: env)
        #expect(exited.status == 78 && exited.stderr.contains("CSRF token") && exited.stderr.contains("XSRF-TOKEN"), "\(exited.status) \(exited.stderr)")
        #expect(!exited.stderr.contains("session expired"))

        // From now on the cookie comes from the config file, still without the pair.
        env["PIXIESET_COOKIE"] = nil
        func writeConfig(_ cookie: String) throws { try Self.writeConfig(in: folder, cookie: cookie) }
        try writeConfig("session_cookie=sandbox")
        var daemonEnvironment: [String: String?] = env
        daemonEnvironment["PIXIESET_COOKIE"] = .some(nil)
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.3s"], environment: daemonEnvironment, capture: true)
        // Tried and refused at each poll: one try more than a failing handler gets before it is parked (3).
        await until("four refused tries (\(daemon.stderr))") { daemon.stderr.components(separatedBy: "handling \(written)").count > 4 }
        let status = try await pxscript(["status", "--state", state], environment: env)
        #expect(status.stdout.contains("CSRF token"), "\(status.stdout)")
        #expect(!status.stdout.contains("parked"), "\(status.stdout)")
        #expect(try Self.replies(serve).isEmpty)
        try writeConfig("session_cookie=sandbox; XSRF-TOKEN=eyJpdiI6InNhbmRib3gifQ%3D%3D")
        // Up to 30 s: a loaded machine renews slowly.
        try await until("the reply after the new token (\(daemon.stderr))") { try !Self.replies(serve).isEmpty }
        // Once: a message written after the reply is answered too, in a later poll, which would
        // also have answered the first one again.
        let later = try await Self.clientWrites(serve, target, "Or on Monday?", env: env)
        try await until("the reply to a later message (\(daemon.stderr))") { try Self.replies(serve)[later] == 1 }
        daemon.signal(SIGINT)
        await daemon.exited()
        #expect(try Self.replies(serve) == [written: 1, later: 1])
        #expect(try await pxscript(["status", "--state", state], environment: env).stdout.contains("session: ok"))
        _ = await serve.stop()
    }

    @Test("hot reload: an edited script that compiles replaces the old one; a broken edit is logged and the old one keeps running")
    func reload() async throws {
        let serve = try await ServeProcess()
        func version(_ tag: String) -> String { "px.on('message', function(event) event:reply('\(tag): ' .. event.message.id) end)\n" }
        let folder = try RunFolder(["reply.lua": version("v1")])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("reload.sqlite")
        #expect(try await pxscript(["watch", folder.path("reply.lua"), "--once", "--state", state], environment: env).status == 0)
        let target = try #require(try await Self.conversations(serve, env: env).first)
        let daemon = try startPxscript(["watch", folder.path("reply.lua"), "--state", state, "--interval", "0.2s"], environment: env, capture: true)
        func replyTo(_ text: String) async throws -> String? {
            let id = try await Self.clientWrites(serve, target, text, env: env)
            var configuration = SandboxConfiguration()
            configuration.clock = StartingClock(start: try #require(Timestamp(parsing: "2026-03-01T09:00:00Z")))
            var reply: String?
            _ = try await Patience.wait(every: .milliseconds(100)) {
                let database = try StudioSandbox.openDatabase(configuration, path: serve.database)
                reply = try database.allMessages().first(where: { $0.content.hasSuffix(": " + id) })?.content
                return reply != nil
            }
            return reply
        }
        // Hot reload compares modification times only: each edit is given one of its own (instead of waiting
        // out the file system's granularity), set before it replaces the script so the daemon sees one change.
        func edit(_ text: String, modified: Date) throws {
            let script = folder.path("reply.lua"), draft = script + ".edit"
            try text.write(toFile: draft, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: draft)
            #expect(rename(draft, script) == 0)
        }
        #expect(try await replyTo("one")?.hasPrefix("v1: ") == true)
        try edit("px.on('message', function(event) event:reply(\n", modified: Date(timeIntervalSinceNow: -7200))
        await until("the broken edit to be seen (\(daemon.stderr))") { daemon.stderr.contains("changed but does not compile") }
        #expect(try await replyTo("two")?.hasPrefix("v1: ") == true)
        try edit(version("v2"), modified: Date(timeIntervalSinceNow: -3600))
        await until("the new version to run (\(daemon.stderr))") { daemon.stderr.contains("running the new version") }
        #expect(try await replyTo("three")?.hasPrefix("v2: ") == true)
        daemon.signal(SIGINT)
        await daemon.exited()
        let log = daemon.stderr
        #expect(log.contains("changed but does not compile") && log.contains("running the new version"))
        _ = await serve.stop()
    }

    /// Polls `condition` every 50 ms (bounded only against a hang: `Patience`).
    static func waitUntil(_ condition: () throws -> Bool) async throws {
        if try await Patience.wait(every: .milliseconds(50), condition) { return }
        Issue.record("waited \(Patience.seconds) s in vain")
    }

    @Test("one SIGTERM lets the handler in flight finish and reply, then exits 0; a second signal stops at once, and the restart replies once")
    func signals() async throws {
        let serve = try await ServeProcess()
        let slow = """
            px.on("message", function(event)
              px.log.info("handling " .. event.message.id)
              px.sleep(tonumber(os.getenv("PX_SLOW") or "0"))
              event:reply("Got it: " .. event.message.id)
            end)
            """
        let folder = try RunFolder(["slow.lua": slow])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("slow.sqlite")
        let args = ["watch", folder.path("slow.lua"), "--state", state, "--interval", "0.2s", "--allow-env", "PX_SLOW"]
        #expect(try await pxscript(args + ["--once"], environment: env).status == 0)
        let target = try #require(try await Self.conversations(serve, env: env).first)

        // One signal: the reply under way is finished, then a clean exit.
        let first = try startPxscript(args, environment: env.merging(["PX_SLOW": "1.5"]) { $1 }, capture: true)
        let drained = try await Self.clientWrites(serve, target, "Hello", env: env)
        try await Self.waitUntil { first.stderr.contains("handling \(drained)") }
        first.signal(SIGTERM)
        #expect(await first.exited() == 0, "\(first.stderr)")
        #expect(try Self.replies(serve)[drained] == 1)
        #expect(first.stderr.contains("stopping: the handlers at work finish first"))

        // Two signals: it stops at once (130), mid-handler; the restart answers once. The handler would
        // take ten minutes: an exit that waited for it would outlast Patience (a hang), and its reply
        // would be there. No timing is asserted (a loaded machine took 13 s to stop).
        let second = try startPxscript(args, environment: env.merging(["PX_SLOW": "600"]) { $1 }, capture: true)
        let interrupted = try await Self.clientWrites(serve, target, "Hello again", env: env)
        try await Self.waitUntil { second.stderr.contains("handling \(interrupted)") }
        second.signal(SIGTERM)
        // The second signal once the first is taken in (so it is a second one, not two at once).
        await until("the first signal to be taken in (\(second.stderr))") { second.stderr.contains("stopping: the handlers at work finish first") }
        second.signal(SIGINT)
        #expect(await second.exited() == 130)
        #expect(try Self.replies(serve)[interrupted] == nil)
        let restart = try await pxscript(args + ["--once"], environment: env)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(try Self.replies(serve) == [drained: 1, interrupted: 1])
        _ = await serve.stop()
    }

    @Test("a schedule due before the next poll wakes the daemon: px.every('1s') runs every second under --interval 60s")
    func wakesBetweenPolls() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["tick.lua": "px.every('1s', function() px.log.info('tick %s %.3f', px.time.format(px.time.now(), '%T'), os.clock()) end)\n"])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let daemon = try startPxscript(
            ["watch", folder.path("tick.lua"), "--state", folder.path("tick.sqlite"), "--interval", "60s"], environment: env, capture: true)
        // Three ticks: two whole seconds between polls 60 s apart.
        await until("three ticks (\(daemon.stderr))") { daemon.stderr.components(separatedBy: "info: tick ").count > 3 }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0)
        // Each tick logs the studio's time (HH:MM:SS): the daemon woke for each one between polls, once a
        // second, counted against the time the ticks span (a loaded machine may let this test oversleep).
        let times = daemon.stderr.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "info: tick ") else { return nil }
            let parts = line[range.upperBound...].prefix(8).split(separator: ":").compactMap { Int($0) }
            return parts.count == 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : nil
        }
        #expect(times.count >= 2, "\(daemon.stderr)")
        #expect(times.count <= (times.last ?? 0) - (times.first ?? 0) + 1, "more than one run a second: \(daemon.stderr)")
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 1 }, "\(daemon.stderr)")
        _ = await serve.stop()
    }

    @Test("random SIGKILLs while clients write in: exactly one reply per client message, none to history", arguments: [
        ("latency=15ms", nil), ("latency=15ms,error_after_commit=0.25,seed=5", nil),
        // This machine's clock a day ahead of the studio's, and ten minutes behind.
        ("latency=15ms,error_after_commit=0.25,seed=6", "2026-03-02T09:00:00Z"),
        ("latency=15ms,error_after_commit=0.25,seed=7", "2026-03-01T08:50:00Z"),
    ] as [(String, String?)])
    func kills(faults: String, machineClock: String?) async throws {
        let serve = try await ServeProcess(arguments: ["--faults", faults])
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        var env = folder.environment(serve)
        let state = folder.path("kill.sqlite")
        if let machineClock { env["PXSCRIPT_NOW"] = machineClock }
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        let targets = try await Self.conversations(serve, env: env)
        var written: [String] = []
        var generator = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
        print("watch kill test seed \(seed) faults \(faults) machine clock \(machineClock ?? "studio's")")
        var random = SeededRandom(seed: seed)  // replayable from the printed seed
        for round in 0..<8 {
            let daemon = try startPxscript(["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env)
            for index in 0..<2 {
                let id = targets[Int.random(in: 0..<targets.count, using: &random)]
                written.append(try await Self.clientWrites(serve, id, "Message \(round).\(index)", env: env))
            }
            // Deliberately not a wait for the daemon: it is killed at a random instant (replayable from the seed).
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...700, using: &random)))
            daemon.signal(SIGKILL)
            await daemon.exited()
        }
        // Let a last daemon finish the work (a failed send is retried after its backoff).
        for _ in 0..<3 {
            let final = try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env)
            #expect(final.status == 0, "\(final.stderr)")
        }
        let replies = try Self.replies(serve)
        #expect(Set(replies.keys) == Set(written), "seed \(seed)")
        #expect(replies.values.allSatisfy { $0 == 1 }, "seed \(seed): \(replies.filter { $0.value != 1 })")
        _ = await serve.stop()
    }
}

