import Foundation
import Testing

/// `pxscript service` (issue 22): the units it writes, checked by the tools that read them.
@Suite("pxscript service")
struct ServiceCommandTests {
    /// A home with two scripts, one under `Documents` (what a LaunchAgent cannot read), and a config with `[notify]`.
    func withHome<T>(notify: Bool = true, _ body: (URL, [String: String]) async throws -> T) async throws -> T {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pxservice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        for folder in ["scripts", "Documents/studio", "config/pxscript"] {
            try FileManager.default.createDirectory(at: home.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try "px.on('message', function(event) end)\n".write(to: home.appendingPathComponent("scripts/autoreply.lua"), atomically: true, encoding: .utf8)
        try "px.on('message', function(event) end)\n".write(to: home.appendingPathComponent("Documents/studio/vacation.lua"), atomically: true, encoding: .utf8)
        let config = "cookie = \"sessionid=x\"\n" + (notify ? "[notify]\nwebhook = \"https://ntfy.sh/studio-topic-0123\"\nformat = \"ntfy\"\n" : "")
        _ = FileManager.default.createFile(
            atPath: home.appendingPathComponent("config/pxscript/config.toml").path, contents: Data(config.utf8), attributes: [.posixPermissions: 0o600])
        // The unit looks for the config under HOME/.config: the same file.
        try FileManager.default.createSymbolicLink(atPath: home.appendingPathComponent(".config").path, withDestinationPath: home.appendingPathComponent("config").path)
        return try await body(home, ["HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path])
    }

    @Test("the systemd unit: one daemon for the scripts with the watch options, restarts only what a restart fixes, notifies on failure; systemd-analyze verifies it")
    func systemd() async throws {
        try await withHome { home, env in
            let scripts = [home.appendingPathComponent("scripts/autoreply.lua").path, home.appendingPathComponent("Documents/studio/vacation.lua").path]
            let root = home.appendingPathComponent("root").path
            let outcome = try await pxscript(
                ["service", "install"] + scripts + ["--manager", "systemd", "--root", root, "--", "--interval", "1m", "--tz", "America/Toronto"],
                environment: env)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let folder = root + home.path + "/.config/systemd/user"
            let unit = try String(contentsOfFile: folder + "/pxscript.service", encoding: .utf8)
            #expect(unit.contains("ExecStart=\(pxscriptBinary.resolvingSymlinksInPath().path) watch \(scripts[0]) \(scripts[1]) --interval 1m --tz America/Toronto"), "\(unit)")
            #expect(unit.contains("RestartPreventExitStatus=64 65 66 77 78") && unit.contains("TimeoutStopSec=45") && !unit.contains("--exit-on-expiry"))
            #expect(unit.contains("OnFailure=pxscript-failed@%n.service") && unit.contains("WantedBy=default.target"))
            let failure = try String(contentsOfFile: folder + "/pxscript-failed@.service", encoding: .utf8)
            #expect(failure.contains(" notify ") && failure.contains("%i"))
            // systemd's own reading of it (Debian's systemd-analyze): no complaint.
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
                let verified = try await shell(
                    "systemd-analyze verify --man=no \"$UNIT\" 2>&1; echo \"exit=$?\"", environment: env.merging(["UNIT": folder + "/pxscript.service"]) { $1 })
                #expect(verified.stdout.hasSuffix("exit=0\n") && !verified.stdout.contains("pxscript.service:"), "\(verified.stdout)")
            }
            // Installed twice: the same files; uninstalled: gone.
            #expect(try await pxscript(["service", "install"] + scripts + ["--manager", "systemd", "--root", root], environment: env).status == 0)
            let removed = try await pxscript(["service", "uninstall", "--manager", "systemd", "--root", root], environment: env)
            #expect(removed.status == 0 && removed.stdout.contains("removed"))
            #expect(!FileManager.default.fileExists(atPath: folder + "/pxscript.service"))
        }
    }

    @Test("a system unit runs as the user named, with their home; --system needs --run-as; a service never takes --once or --exit-on-expiry")
    func systemUnit() async throws {
        try await withHome(notify: false) { home, env in
            let script = home.appendingPathComponent("scripts/autoreply.lua").path
            let printed = try await pxscript(["service", "install", script, "--manager", "systemd", "--system", "--run-as", "root", "--print"], environment: env)
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(printed.stdout.contains("User=root") && printed.stdout.contains("WantedBy=multi-user.target") && !printed.stdout.contains("OnFailure"))
            #expect(try await pxscript(["service", "install", script, "--system", "--print"], environment: env).status == 64)
            #expect(try await pxscript(["service", "install", script, "--print", "--", "--exit-on-expiry"], environment: env).status == 64)
            #expect(try await pxscript(["service", "install", script, "--print", "--", "--once"], environment: env).status == 64)
            // A line break would start a directive of its own in the unit: refused.
            let injected = try await pxscript(
                ["service", "install", script, "--print", "--", "--tz", "UTC\nExecStartPre=/bin/sh -c evil"], environment: env)
            #expect(injected.status == 64 && !injected.stdout.contains("ExecStartPre"))
            // A run-style script (no handler, no schedule) would start and do nothing: refused, with how to schedule it (issue 27).
            let runStyle = home.appendingPathComponent("scripts/outreach.lua").path
            try "for c in px.conversations.each{} do px.send(c.id, 'Minis!') end\n".write(toFile: runStyle, atomically: true, encoding: .utf8)
            let refused = try await pxscript(["service", "install", runStyle, "--manager", "systemd", "--print"], environment: env)
            #expect(refused.status == 64 && refused.stderr.contains("no handler (px.on) and no schedule") && refused.stderr.contains("px.cron("), "\(refused.stderr)")
            #expect(refused.stdout.isEmpty)
        }
    }

    @Test("the LaunchAgent: a property list Python's plistlib reads, with the keys launchd needs; a script under ~/Documents is warned about")
    func launchd() async throws {
        try await withHome { home, env in
            let scripts = [home.appendingPathComponent("scripts/autoreply.lua").path, home.appendingPathComponent("Documents/studio/vacation.lua").path]
            let outcome = try await pxscript(
                ["service", "install"] + scripts + ["--manager", "launchd", "--print", "--", "--allow-read", home.appendingPathComponent("Desktop/files").path],
                environment: env)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stderr.contains("Documents/studio is under ~/Documents") && outcome.stderr.contains("Full Disk Access"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("Desktop/files is under ~/Desktop"))
            #expect(!outcome.stderr.contains("/scripts is under"))
            let plist = home.appendingPathComponent("agent.plist").path
            try outcome.stdout.write(toFile: plist, atomically: true, encoding: .utf8)
            let read = try await shell(
                """
                python3 -c 'import plistlib, sys; p = plistlib.load(open(sys.argv[1], "rb")); \
                print(p["Label"], p["ProgramArguments"][1], len(p["ProgramArguments"]), p["KeepAlive"]["SuccessfulExit"], p["RunAtLoad"], p["StandardErrorPath"])' "$PLIST"
                """, environment: env.merging(["PLIST": plist]) { $1 })
            #expect(read.stdout == "com.pxscript.pxscript watch 6 False True \(home.path)/Library/Logs/pxscript/pxscript.log\n", "\(read.stdout)\(read.stderr)")
        }
    }

    @Test("a hostile path in every field: systemd's % specifiers are doubled (a folder w%n%h stays itself), the plist is escaped XML that plistlib reads back exactly")
    func hostilePaths() async throws {
        try await withHome(notify: true) { home, env in
            let folder = home.appendingPathComponent("w%n%h <&> \"q\" $HOME").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let script = folder + "/auto%i.lua"
            try "px.on('message', function(event) end)\n".write(toFile: script, atomically: true, encoding: .utf8)
            let allowed = "/tmp/%n/%h"
            let root = home.appendingPathComponent("root").path
            let outcome = try await pxscript(["service", "install", script, "--manager", "systemd", "--root", root, "--", "--allow-read", allowed], environment: env)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let units = root + home.path + "/.config/systemd/user"
            let unit = try String(contentsOfFile: units + "/pxscript.service", encoding: .utf8)
            #expect(unit.contains("w%%n%%h") && unit.contains("auto%%i.lua") && unit.contains("/tmp/%%n/%%h") && unit.contains("$$HOME"), "\(unit)")
            #expect(unit.contains("Description=pxscript watch auto%%i.lua"), "\(unit)")
            #expect(!unit.replacingOccurrences(of: "%%", with: "").contains("%n/") && !unit.replacingOccurrences(of: "%%", with: "").contains("%h"), "\(unit)")
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
                let verified = try await shell(
                    "systemd-analyze verify --man=no \"$UNIT\" 2>&1; echo \"exit=$?\"", environment: env.merging(["UNIT": units + "/pxscript.service"]) { $1 })
                #expect(!verified.stdout.contains("pxscript.service:"), "\(verified.stdout)")
            }
            let printed = try await pxscript(["service", "install", script, "--manager", "launchd", "--print", "--", "--allow-read", allowed], environment: env)
            #expect(printed.status == 0 && printed.stdout.contains("<plist"), "\(printed.stderr)")
            let plist = home.appendingPathComponent("agent.plist").path
            try printed.stdout.write(toFile: plist, atomically: true, encoding: .utf8)
            let read = try await shell(
                "python3 -c 'import plistlib, sys, json; p = plistlib.load(open(sys.argv[1], \"rb\")); print(json.dumps(p[\"ProgramArguments\"][2:]))' \"$PLIST\"",
                environment: env.merging(["PLIST": plist]) { $1 })
            let arguments = try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String]
            #expect(arguments == [URL(fileURLWithPath: script).standardizedFileURL.path, "--allow-read", allowed], "\(read.stdout)\(read.stderr)")
        }
    }
}
