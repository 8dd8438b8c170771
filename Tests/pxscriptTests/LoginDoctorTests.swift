import Foundation
import Testing

/// A photographer's first hour (issue 16): `pxscript login` stores a working
/// cookie without ever showing it; `pxscript doctor` says what is wrong and how to fix it.
@Suite("pxscript login and doctor")
struct LoginDoctorTests {
    static let xsrfCookie = "session_cookie=sandbox; XSRF-TOKEN=eyJpdiI6InNhbmRib3gifQ%3D%3D"

    /// The folder's environment with no cookie in it: login and doctor find their own.
    static func environment(_ folder: RunFolder, _ serve: ServeProcess) -> [String: String] {
        var env = folder.environment(serve)
        env["PIXIESET_COOKIE"] = nil
        env["PXSCRIPT_NOW"] = nil
        return env
    }

    @Test("login on a terminal: explains where the cookie is, reads it without echo, checks it, writes config.toml 0600 keeping other keys")
    func loginOnTerminal() async throws {
        let serve = try await ServeProcess(arguments: ["--profile", "realistic"])
        let folder = try RunFolder(["config/pxscript/config.toml": "# my settings\ntz = \"America/Toronto\"\ncookie = \"old=1\"\n\n[notes]\n"])
        defer { folder.remove() }
        let config = folder.path("config/pxscript/config.toml")
        chmod(config, 0o644)
        let login = try PTYChild(["login"], environment: Self.environment(folder, serve))
        #expect(try await login.waitFor("Cookie: "))
        let help = login.shown
        #expect(help.contains("Chrome") && help.contains("Firefox") && help.contains("Safari") && help.contains("Request Headers"))
        login.type(Self.xsrfCookie + "\r")
        #expect(await login.exited() == 0, "\(login.shown)")
        #expect(!login.shown.contains("sandbox") && !login.shown.contains("eyJpdiI6"), "the cookie was shown: \(login.shown)")
        #expect(login.shown.contains("saved: the session works"))
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text == "# my settings\ntz = \"America/Toronto\"\ncookie = \"\(Self.xsrfCookie)\"\n\n[notes]\n")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions] as? NSNumber).intValue
        #expect(mode == 0o600)
        _ = await serve.stop()
    }

    @Test("login refuses a cookie the studio refuses, and changes nothing; --check checks the one in use")
    func loginRefuses() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder([:])
        defer { folder.remove() }
        let env = Self.environment(folder, serve)
        let login = try PTYChild(["login"], environment: env)
        #expect(try await login.waitFor("Cookie: "))
        login.type("session_cookie=wrong-value-123\r")
        #expect(await login.exited() == 77)
        #expect(login.shown.contains("refused that cookie") && !login.shown.contains("wrong-value-123"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("config/pxscript/config.toml")))
        // Without a terminal it reads standard input, the way `pbpaste | pxscript login` gives it.
        let piped = try await shell("printf 'Cookie: session_cookie=sandbox\\n' | \(pxscriptBinary.path) login", environment: env)
        #expect(piped.status == 0 && piped.stdout.contains("saved"), "\(piped.stderr)")
        #expect(piped.stderr.contains("XSRF-TOKEN"), "a cookie without the pair is warned about: \(piped.stderr)")
        let check = try await pxscript(["login", "--check"], environment: env)
        #expect(check.status == 0 && check.stdout.contains("works"), "\(check.stderr)")
        _ = await serve.stop()
    }

    @Test("piped login --base-url stores the URL and this machine's zone, so the doctor it suggests checks the same studio; doctor warns when no tz is set")
    func loginStoresBaseURLAndZone() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder([:])
        defer { folder.remove() }
        var env = Self.environment(folder, serve)
        let base = env.removeValue(forKey: "PXSCRIPT_BASE_URL") ?? ""
        env["TZ"] = "Asia/Kolkata"
        // Before any login: no tz is a warning with its fix (issue 27).
        let before = try await pxscript(["doctor"], environment: env)
        #expect(before.stdout.contains("time zone") && before.stdout.contains("none set") && before.stdout.contains("tz = \"Asia/Kolkata\""), "\(before.stdout)")
        let login = try await shell("printf 'session_cookie=sandbox\\n' | \(pxscriptBinary.path) login --base-url \(base)", environment: env)
        #expect(login.status == 0 && login.stdout.contains("saved: base_url = \(base)") && login.stdout.contains("saved: tz = Asia/Kolkata"), "\(login.stdout)\(login.stderr)")
        let text = try String(contentsOfFile: folder.path("config/pxscript/config.toml"), encoding: .utf8)
        #expect(text.contains("base_url = \"\(base)\"") && text.contains("tz = \"Asia/Kolkata\""), "\(text)")
        let doctor = try await pxscript(["doctor"], environment: env)
        #expect(doctor.status == 0 && doctor.stdout.contains(base) && doctor.stdout.contains("Asia/Kolkata (from the config file's tz)"), "\(doctor.stdout)\(doctor.stderr)")
        // A POSIX rule is not a zone name (GMT+5 is five hours *behind*): never written as the studio's zone.
        let posix = try RunFolder([:])
        defer { posix.remove() }
        var rule = Self.environment(posix, serve)
        rule["TZ"] = "GMT+5"
        let ruled = try await shell("printf 'session_cookie=sandbox\\n' | \(pxscriptBinary.path) login", environment: rule)
        #expect(ruled.status == 0 && !ruled.stdout.contains("saved: tz"), "\(ruled.stdout)")
        #expect(try !String(contentsOfFile: posix.path("config/pxscript/config.toml"), encoding: .utf8).contains("tz ="))
        _ = await serve.stop()
    }

    @Test("doctor: a config file that does not read is the one problem (no 'cookie: none'), with 'did you mean' and a quoting hint")
    func brokenConfigIsTheOneProblem() async throws {
        let serve = try await ServeProcess()
        for (text, words) in [
            ("cookie = \"a=b\"\nmax_send = 5\n", "unknown key 'max_send': did you mean 'max_sends'?"),
            ("cookie = \"a=b\"\ntz = America/Toronto\n", "line 2: Error while parsing value: could not determine value type; text needs quotes: tz = \"America/Toronto\""),
        ] {
            let folder = try RunFolder(["config/pxscript/config.toml": text])
            defer { folder.remove() }
            chmod(folder.path("config/pxscript/config.toml"), 0o600)
            let doctor = try await pxscript(["doctor"], environment: Self.environment(folder, serve))
            #expect(doctor.status == 1 && doctor.stdout.contains(words), "\(doctor.stdout)")
            let problems = doctor.stdout.split(separator: "\n").filter { $0.hasPrefix("problem") }
            #expect(problems.count == 1 && doctor.stdout.contains("cookie         not checked"), "\(doctor.stdout)")
        }
        _ = await serve.stop()
    }

    @Test("doctor: all well is exit 0; a missing CSRF token and a skewed studio clock are warnings with their fix")
    func doctorWarnings() async throws {
        // The sandbox's clock is fixed in March; this machine's is not: the studio looks months behind.
        let serve = try await ServeProcess()
        let folder = try RunFolder(["reply.lua": "px.on('message', function(e) e:reply('ok') end)\n"])
        defer { folder.remove() }
        var env = Self.environment(folder, serve)
        env["PIXIESET_COOKIE"] = "session_cookie=sandbox"
        let outcome = try await pxscript(["doctor", folder.path("reply.lua")], environment: env)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("ok") && $0.contains("session") && $0.contains("unread") }, "\(outcome.stdout)")
        #expect(lines.contains { $0.hasPrefix("warning") && $0.contains("CSRF token") }, "\(outcome.stdout)")
        #expect(lines.contains { $0.hasPrefix("warning") && $0.contains("studio clock") && $0.contains("behind") }, "\(outcome.stdout)")
        #expect(lines.contains { $0.contains("cookie") && $0.contains("PIXIESET_COOKIE") })
        #expect(lines.contains { $0.contains("state") && $0.contains("none yet") })
        #expect(outcome.stdout.contains("fix: "))
        let json = try await pxscript(["doctor", "--json"], environment: env)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.contains { $0["check"] as? String == "CSRF token" && $0["level"] as? String == "warning" })
        _ = await serve.stop()
    }

    @Test("doctor: a config others can read, an expired session: problems with their fix and exit code; a private file behind a link is fine")
    func doctorProblems() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["config/pxscript/real.toml": "cookie = \"session_cookie=expired\"\n"])
        defer { folder.remove() }
        let env = Self.environment(folder, serve)
        let real = folder.path("config/pxscript/real.toml"), config = folder.path("config/pxscript/config.toml")
        try FileManager.default.createSymbolicLink(atPath: config, withDestinationPath: real)
        chmod(real, 0o644)
        let open = try await pxscript(["doctor"], environment: env)
        #expect(open.status == 1 && open.stdout.contains("problem") && open.stdout.contains("fix: chmod 600 \(real)"), "\(open.stdout)")
        chmod(real, 0o600)
        let expired = try await pxscript(["doctor"], environment: env)
        #expect(expired.status == 77, "\(expired.stdout)")
        #expect(expired.stdout.contains("ok       config file") && !expired.stdout.contains("chmod"), "\(expired.stdout)")
        #expect(expired.stdout.contains("pxscript login") && !expired.stdout.contains("session_cookie=expired"))
        _ = await serve.stop()
    }
}
