import ArgumentParser
import Foundation
import LuaKit
import PixiesetKit
import PixiesetModels
import PXConfig
import PXNotify
import PXRuntime
import PXState

/// `pxscript doctor [SCRIPT] [--json]`: one screen that says whether
/// pxscript can work against the studio, each line ok, warning or problem
/// with its fix (docs/spec.md §5). Exit 0 only without a problem: 77 when the
/// session is refused, 69 when the studio cannot be reached, 1 otherwise.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the config file, the session, the CSRF token, the studio's clock, the time zone and a script's state.",
        discussion: "Makes one read (the unread count) and changes nothing. Exit 0 when nothing is a problem (warnings allowed).")

    @Argument(help: "A script whose state to look at too.") var script: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("tz"), help: "The time zone scripts would use (default: the config file's tz, or this machine's).")
    var tz: String?
    @OptionGroup var api: APIOptions

    /// One finding.
    struct Line: Encodable {
        enum Level: String, Encodable { case ok, warning, problem }
        let check: String
        let level: Level
        let detail: String
        var fix: String?
        /// The problem is this machine failing the state (exit 74).
        var localFault = false

        init(check: String, level: Level, detail: String, fix: String? = nil, localFault: Bool = false) {
            self.check = check
            self.level = level
            self.detail = detail
            self.fix = fix
            self.localFault = localFault
        }

        enum CodingKeys: String, CodingKey { case check, level, detail, fix }
    }

    func run() async throws {
        try await withExitCodes {
            var lines: [Line] = []
            var exit: Int32 = 0
            func problem(_ check: String, _ detail: String, fix: String?, code: Int32 = Exit.scriptError) {
                lines.append(Line(check: check, level: .problem, detail: detail, fix: fix))
                if exit == 0 { exit = code }
            }
            let environment = ProcessInfo.processInfo.environment
            lines.append(Line(check: "pxscript", level: .ok, detail: PxscriptVersion.current))
            lines.append(Line(check: "Lua", level: .ok, detail: LuaState.release))

            // The config file: where, its mode, whether it reads.
            var config = ConfigFile()
            // A config file that does not read is the problem to fix first: what depends on it (the cookie,
            // the base URL, the zone) is not judged from an empty one ("cookie: none").
            var configBroken = false
            if let path = ConfigFile.defaultPath(environment: environment) {
                if !FileManager.default.fileExists(atPath: path) {
                    lines.append(Line(check: "config file", level: .ok, detail: "none at \(path) (`pxscript login` writes it)"))
                } else if let mode = ConfigFile.privacyMode(path) {
                    let target = (path as NSString).resolvingSymlinksInPath
                    problem("config file", String(format: "%@ is readable by others (mode %o) and holds your cookie", path, mode),
                            fix: "chmod 600 \(target)")
                    config = (try? ConfigFile.load(path: path, checkingMode: false)) ?? ConfigFile()
                } else {
                    do {
                        config = try ConfigFile.load(path: path)
                        lines.append(Line(check: "config file", level: .ok, detail: "\(path) (private)"))
                    } catch {
                        problem("config file", "\(error)", fix: "correct the line named, or remove the file and run `pxscript login`")
                        configBroken = true
                    }
                }
            } else {
                lines.append(Line(check: "config file", level: .warning, detail: "no HOME: no config file can be read", fix: "set HOME"))
            }

            // Where the cookie comes from, then one read with it.
            let credentials = CookieSource.credentials(environment: environment, config: config)
            var base: BaseURL?
            do {
                base = try api.resolveBaseURL(environment: environment, config: config)
            } catch {
                problem("base URL", "\(error)", fix: "correct --base-url, PXSCRIPT_BASE_URL or base_url", code: Exit.usage)
            }
            if let credentials {
                lines.append(Line(check: "cookie", level: .ok, detail: "from \(credentials.origin)"))
            } else if configBroken {
                lines.append(Line(check: "cookie", level: .warning, detail: "not checked: the config file above does not read"))
            } else {
                problem("cookie", "none: neither PIXIESET_COOKIE nor the config file gives one", fix: "pxscript login", code: Exit.sessionExpired)
            }
            if let credentials, let base {
                let configuration = APIConfiguration(
                    baseURL: base, cookie: credentials.cookie, cookieOrigin: credentials.origin, csrfToken: credentials.csrfToken)
                do {
                    let result = try await SessionCheck.run(configuration)
                    lines.append(Line(check: "session", level: .ok, detail: "works at \(base): \(LoginCommand.describe(result.unread))"))
                    lines.append(clockLine(result.clockOffset))
                } catch let error as PixiesetError {
                    switch error {
                    case .sessionExpired, .csrfRefused:
                        problem("session", "refused by \(base)", fix: "log in to Pixieset in your browser, then `pxscript login`", code: Exit.sessionExpired)
                    case .unreachable, .keptFailing, .truncatedResponse:
                        problem("session", "not checked: \(error)", fix: "check the network and the base URL", code: Exit.unreachable)
                    case .api, .malformedResponse, .invalidID, .file, .sendPending, .invalidRequest:
                        problem("session", "\(error)", fix: "check the base URL (it must be the API's, ending in /api/v1)")
                    }
                }
                let csrf = configuration.csrf
                if csrf.xsrf != nil {
                    lines.append(Line(check: "CSRF token", level: .ok, detail: "X-XSRF-TOKEN from the cookie's XSRF-TOKEN, sent on writes"))
                } else if csrf.csrf != nil {
                    let from = environment[CSRFTokens.environmentName]?.isEmpty == false ? CSRFTokens.environmentName : "csrf_token"
                    lines.append(Line(check: "CSRF token", level: .ok, detail: "X-CSRF-Token from \(from), sent on writes"))
                } else {
                    lines.append(Line(
                        check: "CSRF token", level: .warning, detail: "none: the cookie has no XSRF-TOKEN pair and no csrf_token is set; sends may be refused (exit 78)",
                        fix: "copy the whole Cookie header again with `pxscript login`"))
                }
            }

            // The zone scripts would count days and hours in.
            let zoneName = tz ?? config.tz
            if let zoneName {
                let trimmed = zoneName.hasPrefix(":") ? String(zoneName.dropFirst()) : zoneName
                if let zone = TimeZone(identifier: trimmed) {
                    let from = tz != nil ? "--tz" : "the config file's tz"
                    lines.append(Line(check: "time zone", level: .ok, detail: "\(zone.identifier) (from \(from))"))
                } else {
                    problem("time zone", "unknown zone '\(zoneName)'", fix: "use a name like America/Toronto", code: Exit.usage)
                }
            } else if configBroken {
                lines.append(Line(check: "time zone", level: .warning, detail: "not checked: the config file above does not read"))
            } else {
                // A machine that travels would move the studio's days and hours with it. The script's
                // state, when named and recorded, is the zone its runs use.
                let recorded = script.flatMap { try? StateLocation.defaultPaths(of: [$0], api: api).first?.path }
                    .flatMap { FileManager.default.fileExists(atPath: $0) ? try? StateStore(path: $0) : nil }
                    .flatMap { store in defer { try? store.close() }; return try? store.recordedZone() }
                lines.append(Line(
                    check: "time zone", level: .warning,
                    detail: recorded.map { "none set in the config file; this script's state counts in \($0.identifier)" }
                        ?? "none set: \(TimeZone.current.identifier), this machine's, until a state records its own",
                    fix: "add tz = \"\(LoginCommand.machineZone(environment) ?? "Area/City")\" (the studio's zone) to the config file; `pxscript login` writes it"))
            }

            // Where notifications go (labels only: a webhook URL is a secret). Not tried: `pxscript notify --test` does that.
            let targets = NoticeTarget.all(config.notify)
            if targets.isEmpty {
                lines.append(Line(
                    check: "notifications", level: .ok,
                    detail: "none set: add a [notify] table to hear of an expired session or a parked handler (docs/notifications.md)"))
            } else {
                lines.append(Line(check: "notifications", level: .ok, detail: targets.map(\.label).joined(separator: "; ") + " (`pxscript notify --test` tries them)"))
            }

            if let script {
                let state = stateLines(script: script, base: base, environment: environment)
                lines.append(contentsOf: state)
                // This machine failing the state (a lock, a full or read-only disk) is 74, as for `run`.
                if exit == 0, state.contains(where: { $0.level == .problem }) {
                    exit = state.contains { $0.level == .problem && $0.localFault } ? Exit.localFault : Exit.scriptError
                }
            }

            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                printNow(String(decoding: try encoder.encode(lines), as: UTF8.self))
            } else {
                printNow(Self.render(lines))
            }
            if exit != 0 { throw ExitCode(exit) }
        }
    }

    /// The studio's clock against this machine's: pxscript works in the studio's time, but a
    /// machine minutes off misleads logs and the photographer.
    func clockLine(_ offset: Double?) -> Line {
        guard let offset else {
            return Line(check: "studio clock", level: .warning, detail: "unknown: the answer had no Date header (sends date themselves by the studio's messages)")
        }
        let text = DurationText.format(abs(offset))
        let side = offset >= 0 ? "ahead of" : "behind"
        if abs(offset) > RuntimeClock.notableOffset {
            return Line(
                check: "studio clock", level: .warning, detail: "the studio is \(text) \(side) this machine (pxscript counts in the studio's time)",
                fix: "set this machine's clock automatically (timedatectl set-ntp true; macOS: System Settings › General › Date & Time)")
        }
        return Line(check: "studio clock", level: .ok, detail: abs(offset) < 1 ? "in step with this machine" : "\(text) \(side) this machine")
    }

    /// The script's state: where, how big, when it last ran, and what waits in it.
    func stateLines(script: String, base: BaseURL?, environment: [String: String]) -> [Line] {
        guard FileManager.default.fileExists(atPath: script) else {
            return [Line(check: "state", level: .problem, detail: "\(script): no such file", fix: "give the script's path")]
        }
        guard let base else { return [] }
        let path = StatePath.defaultPath(script: script, baseURL: base.description, environment: environment)
        guard FileManager.default.fileExists(atPath: path) else {
            return [Line(check: "state", level: .ok, detail: "none yet at \(path) (made by the first run)")]
        }
        let health = StateHealth.of(statePath: path)
        let healthLines = health.findings(statePath: path).map {
            Line(check: "state", level: $0.serious ? .problem : .warning, detail: $0.text, fix: $0.fix, localFault: $0.serious)
        }
        do {
            let store = try StateStore(path: path)
            defer { try? store.close() }
            let zone = try store.recordedZone() ?? .current
            let status = try store.status(now: Date().addingTimeInterval(try store.settings.studioOffset() ?? 0), timeZone: zone, journalLimit: 1)
            let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
            let last = status.journal.last.map { "last activity \(ShownTime.text($0.at, in: zone, now: status.now))" } ?? "no activity yet"
            let free = health.freeBytes.map { ", \(StateHealth.size($0)) free on its disk" } ?? ""
            var lines = [Line(check: "state", level: .ok, detail: "\(path): \(size / 1024) KiB\(free), \(last), \(status.sendsToday) sends today")]
            lines += healthLines
            if status.paused { lines.append(Line(check: "state", level: .warning, detail: "sends are paused", fix: "pxscript resume \(script)")) }
            if !status.pending.isEmpty {
                lines.append(Line(check: "state", level: .warning, detail: "\(status.pending.count) send(s) pending a check",
                                  fix: "the next run or watch looks for them in their conversations first"))
            }
            if !status.parked.isEmpty {
                lines.append(Line(check: "state", level: .warning, detail: "\(status.parked.count) message(s) parked after failing",
                                  fix: "pxscript status \(script) shows them with their errors"))
            }
            if let session = status.session { lines.append(Line(check: "state", level: .warning, detail: "watch noted: \(session)")) }
            return lines
        } catch {
            // A lock or a full disk passes: the file is fine, and moving it aside would lose its history.
            if LocalFault(error) != nil {
                return [Line(check: "state", level: .problem, detail: "\(path): \(error)", fix: healthLines.first?.fix, localFault: true)] + healthLines
            }
            return [Line(check: "state", level: .problem, detail: "\(path): \(error)", fix: "move the file aside; a new one is made by the next run")] + healthLines
        }
    }

    static func render(_ lines: [Line]) -> String {
        let width = (lines.map(\.check.count).max() ?? 0) + 2
        return lines.map { line in
            let label = line.check.padding(toLength: width, withPad: " ", startingAt: 0)
            // A detail may hold a server's answer (its error, a snippet of its body): escaped.
            var text = "\(line.level.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(label)\(TerminalText.escaped(line.detail))"
            if let fix = line.fix { text += "\n" + String(repeating: " ", count: 9 + width) + "fix: " + TerminalText.escaped(fix) }
            return text
        }.joined(separator: "\n")
    }
}
