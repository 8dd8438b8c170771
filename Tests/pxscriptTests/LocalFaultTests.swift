import Foundation
import PixiesetModels
import StudioSandbox
import TestSupport
import Testing

@Suite("Local faults: a locked state or a full disk never ends the daemon (issue 33)")
struct LocalFaultTests {
    static let echo = WatchCommandTests.echo

    /// The folder's environment, with writes waiting 0.3 s (not 10) for another program's lock.
    static func environment(_ folder: RunFolder, _ serve: ServeProcess) -> [String: String] {
        var env = folder.environment(serve)
        env["PXSCRIPT_BUSY_TIMEOUT"] = "0.3"
        return env
    }

    /// A daemon answering with `echo.lua` on `state`.
    static func daemon(_ folder: RunFolder, _ serve: ServeProcess, state: String) async throws -> (Child, [String: String]) {
        let env = Self.environment(folder, serve)
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("watching") || !daemon.isRunning }
        return (daemon, env)
    }

    @Test("a state held locked by another process past the busy timeout: logged and notified once, the daemon goes on, every message answered once")
    func lockedState() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        let state = folder.path("watch.sqlite")
        let (daemon, env) = try await Self.daemon(folder, serve, state: state)
        let ids = try await WatchCommandTests.conversations(serve, env: env)
        let first = try await WatchCommandTests.clientWrites(serve, ids[0], "before", env: env)
        try await until("the first reply") { try WatchCommandTests.replies(serve)[first] == 1 }

        let locker = try await StateLock(state: state)
        let second = try await WatchCommandTests.clientWrites(serve, ids[1], "while locked", env: env)
        await until("the daemon to meet the lock (\(daemon.stderr))") { daemon.stderr.contains("holds the state locked") }
        #expect(daemon.isRunning, "\(daemon.stderr)")
        #expect(try WatchCommandTests.replies(serve)[second] == nil)
        await locker.release()

        try await until("the reply to the message written while locked (\(daemon.stderr))") { try WatchCommandTests.replies(serve)[second] == 1 }
        await until("the daemon to say the state works again") { daemon.stderr.contains("can be written again") }
        let third = try await WatchCommandTests.clientWrites(serve, ids[2], "after", env: env)
        try await until("the third reply") { try WatchCommandTests.replies(serve)[third] == 1 }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        #expect(try WatchCommandTests.replies(serve) == [first: 1, second: 1, third: 1])
        // Said once while it lasted, however many tries met it.
        #expect(daemon.stderr.components(separatedBy: "holds the state locked").count - 1 == 1, "\(daemon.stderr)")
        _ = await serve.stop()
    }

    @Test("a lock that comes while a handler holds a px.store key: the handler runs again once it passes (its key not left held), each message answered once")
    func lockedMidHandler() async throws {
        let serve = try await ServeProcess()
        // It takes a key, says so, and waits for the test's go-ahead (a file in its folder) before replying.
        let script = """
            px.on("message", function(event)
              px.store.set("last", event.message.id)
              px.log.info("holding " .. event.message.id)
              while not pcall(px.template.file, "go", {}) do px.sleep(0.02) end
              event:reply("Got it: " .. event.message.id)
            end)
            """
        let folder = try RunFolder(["echo.lua": script])
        defer { folder.remove() }
        let state = folder.path("watch.sqlite")
        let env = Self.environment(folder, serve)
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("watching") }
        let ids = try await WatchCommandTests.conversations(serve, env: env)
        let first = try await WatchCommandTests.clientWrites(serve, ids[0], "first", env: env)
        await until("the handler to hold its key (\(daemon.stderr))") { daemon.stderr.contains("holding \(first)") }
        let locker = try await StateLock(state: state)
        FileManager.default.createFile(atPath: folder.path("go"), contents: nil)
        await until("the handler's end to meet the lock (\(daemon.stderr))") { daemon.stderr.contains("holds the state locked") }
        await locker.release()
        try await until("the reply (\(daemon.stderr))") { try WatchCommandTests.replies(serve)[first] == 1 }
        let second = try await WatchCommandTests.clientWrites(serve, ids[1], "second", env: env)
        try await until("the next message answered too (\(daemon.stderr))") { try WatchCommandTests.replies(serve)[second] == 1 }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        #expect(try WatchCommandTests.replies(serve) == [first: 1, second: 1])
        #expect(!daemon.stderr.contains("stayed held"), "\(daemon.stderr)")
        _ = await serve.stop()
    }

    @Test("a schedule that meets a lock does not count as run: it runs again once the lock passes, and sends once")
    func scheduleMeetsLock() async throws {
        let serve = try await ServeProcess()
        let script = """
            px.after("0.5s", function()
              px.log.info("spring waiting")
              while not pcall(px.template.file, "go", {}) do px.sleep(0.02) end
              local c = px.conversations.list{ page_size = 1 }.data[1]
              px.store.set("spring", true)
              px.send(c.id, "Spring sessions are open", { key = "spring" })
              px.log.info("spring sent")
            end)
            """
        let folder = try RunFolder(["spring.lua": script])
        defer { folder.remove() }
        let state = folder.path("spring.sqlite")
        let env = Self.environment(folder, serve)
        let daemon = try startPxscript(
            ["watch", folder.path("spring.lua"), "--state", state, "--interval", "0.2s"], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the schedule to start (\(daemon.stderr))") { daemon.stderr.contains("spring waiting") || !daemon.isRunning }
        let locker = try await StateLock(state: state)
        FileManager.default.createFile(atPath: folder.path("go"), contents: nil)
        await until("the schedule to meet the lock (\(daemon.stderr))") { daemon.stderr.contains("holds the state locked") || !daemon.isRunning }
        #expect(daemon.isRunning, "\(daemon.stderr)")
        await locker.release()
        await until("the schedule to run again and send (\(daemon.stderr))") { daemon.stderr.contains("spring sent") || !daemon.isRunning }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        #expect(try Self.copies(of: "Spring sessions are open", serve).values.reduce(0, +) == 1)
        _ = await serve.stop()
    }

    @Test("two scripts, one daemon: whichever script's state is locked, both answer every message once (the poll waits for the locked one)")
    func lockedFollower() async throws {
        let serve = try await ServeProcess()
        let reply = { (name: String) in "px.on('message', function(event) event:reply('\(name) got ' .. event.message.id) end)" }
        let folder = try RunFolder(["a.lua": reply("A"), "b.lua": reply("B")])
        defer { folder.remove() }
        let env = Self.environment(folder, serve)
        for script in ["a.lua", "b.lua"] {
            #expect(try await pxscript(["watch", folder.path(script), "--once"], environment: env).status == 0)
        }
        func statePath(_ script: String) async throws -> String {
            let status = try await pxscript(["status", folder.path(script)], environment: env)
            return try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("state: ") }.map { String($0.dropFirst(7)) }, "\(status.stdout)")
        }
        let states = [try await statePath("a.lua"), try await statePath("b.lua")]
        let daemon = try startPxscript(
            ["watch", folder.path("a.lua"), folder.path("b.lua"), "--interval", "0.2s"], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("watching") || !daemon.isRunning }
        let ids = try await WatchCommandTests.conversations(serve, env: env)
        var written: [String] = []
        // One of the two states is the poll's lead, the other a follower: each is locked in turn.
        for (round, state) in states.enumerated() {
            let locker = try await StateLock(state: state)
            written.append(try await WatchCommandTests.clientWrites(serve, ids[round], "while \(round) is locked", env: env))
            await until("the daemon to meet the lock (\(daemon.stderr))") {
                daemon.stderr.components(separatedBy: "holds the state locked").count > round + 1 || !daemon.isRunning
            }
            await locker.release()
            try await until("both replies (\(daemon.stderr))") {
                let texts = try WatchCommandTests.messages(serve)
                return written.allSatisfy { id in texts.contains("A got \(id)") && texts.contains("B got \(id)") }
            }
        }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        let texts = try WatchCommandTests.messages(serve)
        for id in written {
            #expect(texts.filter { $0 == "A got \(id)" }.count == 1 && texts.filter { $0 == "B got \(id)" }.count == 1, "\(id)")
        }
        _ = await serve.stop()
    }

    @Test("a daemon started while its state is held locked waits for it, then answers what came meanwhile, once")
    func lockedAtStart() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        let state = folder.path("watch.sqlite")
        let env = Self.environment(folder, serve)
        // A first start marks where answering begins.
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        let locker = try await StateLock(state: state)
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the daemon to meet the lock (\(daemon.stderr))") { daemon.stderr.contains("holds the state locked") || !daemon.isRunning }
        let ids = try await WatchCommandTests.conversations(serve, env: env)
        let written = try await WatchCommandTests.clientWrites(serve, ids[0], "while the daemon starts", env: env)
        #expect(daemon.isRunning, "\(daemon.stderr)")
        await locker.release()
        try await until("the reply (\(daemon.stderr))") { try WatchCommandTests.replies(serve)[written] == 1 }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        #expect(try WatchCommandTests.replies(serve) == [written: 1])
        _ = await serve.stop()
    }

    @Test(
        "a state on a disk made read-only: a daemon starting waits for it; once writable it answers what came meanwhile, once; run exits 74",
        .enabled(if: getuid() == 0, "remounting a tmpfs needs root"))
    func readOnlyDisk() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo, "count.lua": "px.store.set('n', (px.store.get('n') or 0) + 1)"])
        defer { folder.remove() }
        let disk = folder.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(try await shell("mount -t tmpfs -o size=8m pxscript-test '\(disk)'", environment: [:]).status == 0)
        defer { _ = umount2(disk, Int32(MNT_DETACH)) }
        let state = disk + "/watch.sqlite"
        let env = Self.environment(folder, serve)
        #expect(try await pxscript(["watch", folder.path("echo.lua"), "--once", "--state", state], environment: env).status == 0)
        #expect(try await shell("mount -o remount,ro '\(disk)'", environment: [:]).status == 0)
        let run = try await pxscript(["run", folder.path("count.lua"), "--state", state], environment: env)
        #expect(run.status == 74, "\(run.status): \(run.stderr)")
        let daemon = try startPxscript(
            ["watch", folder.path("echo.lua"), "--state", state, "--interval", "0.2s"], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the daemon to meet the read-only disk (\(daemon.stderr))") { daemon.stderr.contains("can no longer be written") || !daemon.isRunning }
        let ids = try await WatchCommandTests.conversations(serve, env: env)
        let written = try await WatchCommandTests.clientWrites(serve, ids[0], "while read-only", env: env)
        #expect(daemon.isRunning, "\(daemon.stderr)")
        #expect(try await shell("mount -o remount,rw '\(disk)'", environment: [:]).status == 0)
        try await until("the reply (\(daemon.stderr))") { try WatchCommandTests.replies(serve)[written] == 1 }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        #expect(try WatchCommandTests.replies(serve) == [written: 1])
        _ = await serve.stop()
    }

    @Test("run on a state held locked past the busy timeout stops with one line and exit 74")
    func runOnLockedState() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["count.lua": "px.store.set('n', (px.store.get('n') or 0) + 1) print(px.store.get('n'))"])
        defer { folder.remove() }
        let env = Self.environment(folder, serve)
        let state = folder.path("run.sqlite")
        let once = try await pxscript(["run", folder.path("count.lua"), "--state", state], environment: env)
        #expect(once.status == 0 && once.stdout == "1\n", "\(once.stderr)")
        let locker = try await StateLock(state: state)
        let locked = try await pxscript(["run", folder.path("count.lua"), "--state", state], environment: env)
        // status names the holder (reads go on under another process's write lock).
        let shown = try await pxscript(["status", "--state", state], environment: env)
        #expect(shown.stdout.contains("warning: the state is locked for writing by python3") && shown.stdout.contains("disk: "), "\(shown.stdout)\(shown.stderr)")
        await locker.release()
        #expect(locked.status == 74, "\(locked.status): \(locked.stderr)")
        let lines = locked.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains("holds the state locked"), "\(locked.stderr)")
        let after = try await pxscript(["run", folder.path("count.lua"), "--state", state], environment: env)
        #expect(after.status == 0 && after.stdout == "2\n", "\(after.stderr)")

        // doctor looks at the script's own state: locked, it is a problem with its fix, exit 74.
        #expect(try await pxscript(["run", folder.path("count.lua")], environment: env).status == 0)
        let status = try await pxscript(["status", folder.path("count.lua")], environment: env)
        let own = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("state: ") }.map { String($0.dropFirst(7)) })
        let holder = try await StateLock(state: own)
        let doctor = try await pxscript(["doctor", folder.path("count.lua")], environment: env)
        await holder.release()
        #expect(doctor.status == 74, "\(doctor.status): \(doctor.stdout)")
        #expect(doctor.stdout.contains("locked for writing by python3") && doctor.stdout.contains("kill "), "\(doctor.stdout)")
        _ = await serve.stop()
    }

    @Test("a state locked in the middle of a run: the px call that meets it raises LOCAL_FAULT, and the run ends with exit 74")
    func runLockedMidway() async throws {
        let serve = try await ServeProcess()
        let script = """
            px.store.set("n", 0)
            print("ready")
            while not pcall(px.template.file, "go", {}) do px.sleep(0.02) end
            local ok, err = pcall(px.store.set, "n", 1)
            print(ok, type(err) == "table" and err.code, type(err) == "table" and err.kind)
            px.store.set("n", 2)
            """
        let folder = try RunFolder(["midway.lua": script])
        defer { folder.remove() }
        let env = Self.environment(folder, serve)
        let state = folder.path("run.sqlite")
        let run = try startPxscript(["run", folder.path("midway.lua"), "--state", state], environment: env.mapValues { Optional($0) }, capture: true)
        await until("the run to start (\(run.stderr))") { run.stdout.contains("ready") || !run.isRunning }
        let locker = try await StateLock(state: state)
        FileManager.default.createFile(atPath: folder.path("go"), contents: nil)
        let status = await run.exited()
        await locker.release()
        #expect(run.stdout.contains("false\tLOCAL_FAULT\tbusy"), "\(run.stdout)")
        #expect(status == 74, "\(status): \(run.stderr)")
        #expect(run.stderr.contains("holds the state locked"), "\(run.stderr)")
        _ = await serve.stop()
    }

    @Test(
        "a full disk (a 4 MB tmpfs filled up): the daemon goes on; messages before, during and after are each answered once when space is freed",
        .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullDisk() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": Self.echo])
        defer { folder.remove() }
        let disk = folder.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try await shell("mount -t tmpfs -o size=4m pxscript-test '\(disk)'", environment: [:])
        try #require(mount.status == 0, "\(mount.stderr)")
        defer { _ = umount2(disk, Int32(MNT_DETACH)) }
        let state = disk + "/watch.sqlite"
        let (daemon, env) = try await Self.daemon(folder, serve, state: state)
        let ids = try await WatchCommandTests.conversations(serve, env: env)
        let first = try await WatchCommandTests.clientWrites(serve, ids[0], "before", env: env)
        try await until("the first reply") { try WatchCommandTests.replies(serve)[first] == 1 }

        // Fill what is left, to the last byte.
        let filler = disk + "/filler"
        let fill = try await shell("dd if=/dev/zero of='\(filler)' bs=4k 2>&1; sync", environment: [:])
        #expect(fill.stdout.contains("No space left"), "\(fill.stdout)")
        var written: [String] = []
        for (index, id) in ids.dropFirst().prefix(4).enumerated() {
            written.append(try await WatchCommandTests.clientWrites(serve, id, "while full \(index)", env: env))
        }
        await until("the daemon to meet the full disk (\(daemon.stderr))") { daemon.stderr.contains("the disk is full") }
        #expect(daemon.isRunning, "\(daemon.stderr)")
        try FileManager.default.removeItem(atPath: filler)

        try await until("the replies to the messages written while full (\(daemon.stderr))") {
            let replies = try WatchCommandTests.replies(serve)
            return written.allSatisfy { replies[$0] == 1 }
        }
        let last = try await WatchCommandTests.clientWrites(serve, ids[5], "after", env: env)
        try await until("the last reply") { try WatchCommandTests.replies(serve)[last] == 1 }
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0, "\(daemon.stderr)")
        var expected = Dictionary(uniqueKeysWithValues: written.map { ($0, 1) })
        expected[first] = 1
        expected[last] = 1
        #expect(try WatchCommandTests.replies(serve) == expected)
        // Said once while it lasted, however many tries met it.
        #expect(daemon.stderr.components(separatedBy: "free some space").count - 1 == 1, "\(daemon.stderr)")
        _ = await serve.stop()
    }

    /// How many copies of `text` each conversation holds, from the sandbox's database file.
    static func copies(of text: String, _ serve: ServeProcess) throws -> [String: Int] {
        var configuration = SandboxConfiguration()
        configuration.clock = StartingClock(start: try #require(Timestamp(parsing: "2026-03-01T09:00:00Z")))
        let database = try StudioSandbox.openDatabase(configuration, path: serve.database)
        return try database.allMessages().filter { $0.content == text }.reduce(into: [:]) { $0[$1.conversationID, default: 0] += 1 }
    }

    @Test(
        "an outreach run killed, and run on a disk that fills up under it, then run again: each client gets the message exactly once",
        .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func outreachThroughKillsAndAFullDisk() async throws {
        let serve = try await ServeProcess()
        let text = "Our spring calendar is open"
        // Four sends, then it waits for the test's go-ahead (a file in its folder), four more, waits again, the rest.
        let script = """
            local n = 0
            for c in px.conversations.each{ message_status = "all" } do
              n = n + 1
              if n > 12 then break end
              if n == 5 or n == 9 then
                print("waiting at " .. n)
                while not pcall(px.template.file, "go" .. n, {}) do px.sleep(0.02) end
              end
              px.send(c.id, "\(text)", { key = "spring-2026" })
            end
            print("sent to " .. n - 1)
            """
        let folder = try RunFolder(["spring.lua": script])
        defer { folder.remove() }
        let disk = folder.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(try await shell("mount -t tmpfs -o size=4m pxscript-test '\(disk)'", environment: [:]).status == 0)
        defer { _ = umount2(disk, Int32(MNT_DETACH)) }
        let env = Self.environment(folder, serve)
        let args = ["run", folder.path("spring.lua"), "--state", disk + "/spring.sqlite"]
        let filler = disk + "/filler"
        func sent() throws -> Int { try Self.copies(of: text, serve).values.reduce(0, +) }

        // Killed after four sends.
        let first = try startPxscript(args, environment: env.mapValues { Optional($0) }, capture: true)
        await until("the first run to wait at 5 (\(first.stderr))") { first.stdout.contains("waiting at 5") || !first.isRunning }
        first.signal(SIGKILL)
        _ = await first.exited()
        #expect(try sent() == 4)
        // The next run goes on to 8, then the disk fills up under it: it stops with 74 and one line.
        FileManager.default.createFile(atPath: folder.path("go5"), contents: nil)
        let second = try startPxscript(args, environment: env.mapValues { Optional($0) }, capture: true)
        await until("the second run to wait at 9 (\(second.stderr))") { second.stdout.contains("waiting at 9") || !second.isRunning }
        #expect(try sent() == 8)
        let fill = try await shell("dd if=/dev/zero of='\(filler)' bs=4k 2>&1; sync", environment: [:])
        #expect(fill.stdout.contains("No space left"), "\(fill.stdout)")
        FileManager.default.createFile(atPath: folder.path("go9"), contents: nil)
        #expect(await second.exited() == 74, "\(second.stderr)")
        #expect(second.stderr.contains("the disk is full"), "\(second.stderr)")
        // Still full: the run says so again.
        let full = try await pxscript(args, environment: env)
        #expect(full.status == 74, "\(full.status): \(full.stderr)")
        // Space again: the last run finishes the job; nothing went out twice.
        try FileManager.default.removeItem(atPath: filler)
        let last = try await pxscript(args, environment: env)
        #expect(last.status == 0 && last.stdout.contains("sent to 12"), "\(last.status): \(last.stdout)\(last.stderr)")
        let copies = try Self.copies(of: text, serve)
        #expect(copies.count == 12 && copies.values.allSatisfy { $0 == 1 }, "\(copies)")
        _ = await serve.stop()
    }
}
