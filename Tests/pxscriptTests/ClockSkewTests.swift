import Foundation
import PixiesetModels
import StudioSandbox
import Testing

/// docs/spec.md §4 "Times are the studio's": a machine whose clock is minutes or
/// days off the studio's neither duplicates nor loses a message. The
/// studio (a `sandbox serve` process) keeps 2026-03-01T09:00; pxscript's
/// own clock is moved by `PXSCRIPT_NOW`, exactly as a skewed laptop's.
@Suite("clock skew between this machine and the studio")
struct ClockSkewTests {
    static let studioNow = "2026-03-01T09:00:00Z"

    /// `PXSCRIPT_NOW` for a machine `offset` seconds ahead of the studio.
    static func skewed(_ offset: Double) -> String {
        ISO8601DateFormatter().string(from: ISO8601DateFormatter().date(from: studioNow)!.addingTimeInterval(offset))
    }

    static let offsets: [Double] = [-86_400, -600, 300, 3_600, 86_400]

    static let outreach = """
        local all = {}
        for c in px.conversations.each{} do all[#all + 1] = c.id end
        table.sort(all)
        for i = 1, 16 do px.send(all[i], "Skew test " .. all[i], { key = "skew" }) end
        """

    static func counts(_ serve: ServeProcess, prefix: String) throws -> [String: Int] {
        var configuration = SandboxConfiguration()
        configuration.clock = StartingClock(start: try #require(Timestamp(parsing: studioNow)))
        let database = try StudioSandbox.openDatabase(configuration, path: serve.database)
        return try database.allMessages().filter { $0.content.hasPrefix(prefix) }
            .reduce(into: [:]) { $0[$1.conversationID, default: 0] += 1 }
    }

    @Test("run: keyed sends with lost answers, killed and run again: each conversation messaged exactly once", arguments: offsets)
    func run(offset: Double) async throws {
        let serve = try await ServeProcess(arguments: ["--faults", "error_after_commit=0.5,latency=10ms,seed=\(Int(offset) & 0xffff)"])
        let folder = try RunFolder(["outreach.lua": Self.outreach])
        defer { folder.remove() }
        var env = folder.environment(serve)
        env["PXSCRIPT_NOW"] = Self.skewed(offset)
        let state = folder.path("skew.sqlite")
        // Killed once part-way (as its first send reaches the studio), so a pending send is reconciled by the next run too.
        let first = try startPxscript(["run", folder.path("outreach.lua"), "--state", state], environment: env)
        try await until("a first send") { try !Self.counts(serve, prefix: "Skew test ").isEmpty || !first.isRunning }
        first.signal(SIGKILL)
        _ = await first.exited()
        let again = try await pxscript(["run", folder.path("outreach.lua"), "--state", state], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        let counts = try Self.counts(serve, prefix: "Skew test ")
        #expect(counts.count == 16, "offset \(offset): \(counts)")
        #expect(counts.values.allSatisfy { $0 == 1 }, "offset \(offset): \(counts)")
        // The run warned, and status shows the offset it measured.
        #expect(again.stderr.contains(offset > 0 ? "ahead of the studio's" : "behind the studio's"), "\(again.stderr)")
        let status = try await pxscript(["status", "--state", state], environment: env)
        #expect(status.stdout.contains("warning: this machine's clock is"), "\(status.stdout)")
        _ = await serve.stop()
    }

    @Test("watch: replies with lost answers and a machine clock off by a day or minutes: each client message answered once", arguments: offsets)
    func watch(offset: Double) async throws {
        let serve = try await ServeProcess(arguments: ["--faults", "error_after_commit=0.5,seed=\(Int(offset) & 0xffff)"])
        let folder = try RunFolder(["echo.lua": WatchCommandTests.echo])
        defer { folder.remove() }
        var env = folder.environment(serve)
        let studioEnv = env
        env["PXSCRIPT_NOW"] = Self.skewed(offset)
        let args = ["watch", folder.path("echo.lua"), "--once", "--state", folder.path("watch.sqlite")]
        #expect(try await pxscript(args, environment: env).status == 0)
        var written: [String] = []
        for id in try await WatchCommandTests.conversations(serve, env: studioEnv).prefix(6) {
            written.append(try await WatchCommandTests.clientWrites(serve, id, "Hello there", env: studioEnv))
        }
        // Twice: the second run reconciles what the first left pending and must not answer again.
        let handled = try await pxscript(args, environment: env)
        #expect(handled.status == 0, "\(handled.stderr)")
        #expect(!handled.stderr.contains("too old"), "offset \(offset): \(handled.stderr)")
        #expect(try await pxscript(args, environment: env).status == 0)
        #expect(try WatchCommandTests.replies(serve) == Dictionary(uniqueKeysWithValues: written.map { ($0, 1) }), "offset \(offset)")
        _ = await serve.stop()
    }

    @Test("a state counts its days in the zone of its first run: status without --tz shows the same day; another --tz is refused until --change-tz")
    func stateZone() async throws {
        // 02:00 UTC on March 1st is still February 28th in Toronto.
        let serve = try await ServeProcess(environment: ["PXSCRIPT_NOW": "2026-03-01T02:00:00Z"])
        let folder = try RunFolder(["one.lua": "for c in px.conversations.each{} do return px.send(c.id, 'zone check ' .. px.time.now()).id end"])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("zone.sqlite")
        let first = try await pxscript(["run", folder.path("one.lua"), "--state", state, "--tz", "America/Toronto"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        let status = try await pxscript(["status", "--state", state], environment: env)
        #expect(status.stdout.contains("today (2026-02-28, America/Toronto): 1 of 200 sends"), "\(status.stdout)")
        let other = try await pxscript(["run", folder.path("one.lua"), "--state", state, "--tz", "Europe/Paris"], environment: env)
        #expect(other.status == 64, "\(other.stderr)")
        #expect(other.stderr.contains("counts its days in America/Toronto") && other.stderr.contains("--tz Europe/Paris --change-tz"), "\(other.stderr)")
        // The machine's zone gives way to the state's.
        #expect(try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: env).status == 0)
        // A machine that travelled (TZ is the machine's zone, issue 27): run and watch go on in the studio's zone, with a warning.
        var lisbon = env
        lisbon["TZ"] = "Europe/Lisbon"
        let travelled = try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: lisbon)
        #expect(travelled.status == 0, "\(travelled.stderr)")
        #expect(travelled.stderr.contains("this machine is in Europe/Lisbon, but this state counts the studio's days and times in America/Toronto"), "\(travelled.stderr)")
        try "px.every('1h', function() end)".write(toFile: folder.path("every.lua"), atomically: true, encoding: .utf8)
        let daemon = try startPxscript(["watch", folder.path("every.lua"), "--state", state, "--interval", "0.5s"], environment: lisbon, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("info: watching ") }
        #expect(daemon.stderr.contains("this machine is in Europe/Lisbon"), "\(daemon.stderr)")
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0)
        let again = try await pxscript(["status", "--state", state], environment: env)
        #expect(again.stdout.contains("today (2026-02-28, America/Toronto): 3 of 200 sends"), "\(again.stdout)")
        let moved = try await pxscript(["run", folder.path("one.lua"), "--state", state, "--tz", "Europe/Paris", "--change-tz"], environment: env)
        #expect(moved.status == 0, "\(moved.stderr)")
        let history = try await pxscript(["status", "--state", state, "--history"], environment: env)
        #expect(history.stdout.contains("today (2026-03-01, Europe/Paris): 1 of 200 sends"), "\(history.stdout)")
        #expect(history.stdout.contains("zone  -  from America/Toronto to Europe/Paris"), "\(history.stdout)")
        _ = await serve.stop()
    }
}
