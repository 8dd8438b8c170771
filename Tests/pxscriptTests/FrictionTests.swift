import Foundation
import PXRuntime
@testable import PXState
import Testing

/// What a newcomer stumbled on (issue 16), each reproduced and kept fixed.
@Suite("A newcomer's path without friction")
struct FrictionTests {
    static let commands = ["run", "watch", "check", "status", "pause", "resume", "api", "login", "doctor", "sandbox serve", "sandbox message"]

    @Test("no --help says a default twice; the ones that reach the studio name pxscript login and PIXIESET_COOKIE")
    func helpTexts() async throws {
        for command in Self.commands {
            let help = try await pxscript(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(help.status == 0, "\(command)")
            // An option's help runs from its `--name` to the next; one mention of its default is enough.
            let options = help.stdout.components(separatedBy: "\n  -").dropFirst()
            for option in options {
                let mentions = option.lowercased().components(separatedBy: "default").count - 1
                #expect(mentions <= 1, "\(command): \(option)")
            }
            #expect(!help.stdout.contains("docs/"), "\(command) points at docs/ the binary does not have")
        }
        for command in ["", "run", "watch", "api", "login"] {
            let help = try await pxscript(command.isEmpty ? ["--help"] : [command, "--help"])
            let flat = help.stdout.replacingOccurrences(of: "\n", with: " ")
            #expect(flat.contains("pxscript login") && flat.contains("PIXIESET_COOKIE"), "\(command) --help: \(help.stdout)")
        }
    }

    @Test("no cookie at all: the error names pxscript login, not a file of the source tree")
    func noCookie() async throws {
        let folder = try RunFolder(["x.lua": "return 1\n"])
        defer { folder.remove() }
        let outcome = try await pxscript(["run", folder.path("x.lua")], environment: folder.environment().merging(["PXSCRIPT_NOW": ""]) { $1 })
        #expect(outcome.status == 77 && outcome.stderr.contains("pxscript login") && !outcome.stderr.contains("docs/"), "\(outcome.stderr)")
    }

    @Test("sandbox helpers without a server say so at once (exit 69); serve on a busy port says the port is in use")
    func sandboxErrors() async throws {
        let serve = try await ServeProcess()
        let busy = try await pxscript(["sandbox", "serve", "--port", String(serve.port)])
        #expect(busy.status == 1 && busy.stderr.contains("already in use") && !busy.stderr.contains("bind("), "\(busy.stderr)")
        _ = await serve.stop()
        // Port 9 (discard), where nothing listens: the stopped server's port may already be another test's sandbox.
        let none = try await pxscript(["sandbox", "message", "conv_X", "Hello", "--port", "9"])
        #expect(none.status == 69 && none.stderr.contains("no sandbox answers"), "\(none.stderr)")
    }

    @Test("a watched script of schedules only: no 'no handler' warning, no 'first start' line, no poll")
    func scheduleOnly() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["digest.lua": "px.every('1h', function() px.log.info('digest') end, { name = 'morning digest' })\n"])
        defer { folder.remove() }
        let outcome = try await pxscript(["watch", folder.path("digest.lua"), "--once", "--state", folder.path("d.sqlite")], environment: folder.environment(serve))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("registers no") && !outcome.stderr.contains("first start"), "\(outcome.stderr)")
        let empty = try await pxscript(["watch", folder.path("digest.lua"), "--once", "--state", folder.path("d.sqlite")], environment: folder.environment(serve))
        #expect(!empty.stderr.contains("handled"), "\(empty.stderr)")
        _ = await serve.stop()
    }

    @Test("the summary tells answered from handled without a reply")
    func summaryLine() async throws {
        let serve = try await ServeProcess()
        let script = """
            px.on("message", function(event)
              if event.message.content:find("thanks") then return end
              event:reply("Got it!")
            end)
            """
        let folder = try RunFolder(["reply.lua": script])
        defer { folder.remove() }
        let env = folder.environment(serve), args = ["watch", folder.path("reply.lua"), "--once", "--state", folder.path("r.sqlite")]
        #expect(try await pxscript(args, environment: env).status == 0)
        let targets = try await WatchCommandTests.conversations(serve, env: env)
        _ = try await WatchCommandTests.clientWrites(serve, targets[0], "Can we move the session?", env: env)
        _ = try await WatchCommandTests.clientWrites(serve, targets[1], "thanks so much!", env: env)
        let outcome = try await pxscript(args, environment: env)
        #expect(outcome.stderr.contains("1 answered, 1 handled without a reply"), "\(outcome.stderr)")
        _ = await serve.stop()
    }

    @Test("keys and schedules are shown without their internal prefixes")
    func readableNames() {
        #expect(SendKeyText.readable("k:holiday-2026") == "key 'holiday-2026'")
        #expect(SendKeyText.readable("h:" + String(repeating: "a", count: 64)) == "the same text")
        #expect(SendKeyText.readable("e:msg_ABC123:2") == "reply 2 to msg_ABC123")
        #expect(SendKeyText.readable("e:s:name:morning digest@1772355600:1") == "send 1 of the run of schedule 'morning digest'")
        #expect(SendKeyText.scheduleName("name:morning digest") == "'morning digest'")
        #expect(SendKeyText.scheduleName("every:1h#1") == "every 1h")
        #expect(SendKeyText.scheduleName("cron:0 9 * * 1#2") == "cron 0 9 * * 1 (#2)")
    }
}
