import ArgumentParser
import Foundation
import PixiesetKit
import PixiesetModels
import PXConfig
import PXRuntime
import PXState

/// `pxscript status [SCRIPT… | --state PATH] [--history] [--json]`: each script's state, and whether a daemon runs on it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what scripts' states hold: today's sends, pending sends, the journal, paused or not, the daemon."
    )

    @OptionGroup var location: StateLocation
    @Flag(help: "Show the whole journal (every send, skip and failure).") var history = false
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("tz"), help: "Time zone to show the day in (default: the zone the state counts in).") var tz: String?
    @Option(name: .customLong("max-sends"), help: "The cap to show today's sends against (default: the one the last run used).") var maxSends: Int?

    func run() async throws {
        try await withExitCodes {
            let (states, missing) = try location.paths()
            var texts: [String] = []
            for (script, path) in states {
                let health = StateHealth.of(statePath: path)
                var status: StateStatus
                do {
                    status = try Self.status(path: path, tz: tz, history: history)
                } catch where LocalFault(error) != nil {
                    // Say what this machine is doing to the state, then fail with it (74).
                    for problem in health.problems(statePath: path) { printError("state \(path): \(problem)") }
                    throw error
                }
                status.daemon = DaemonLock.holder(statePath: path)
                // The cap in force: named here, else the last run's, else the config's, else the default.
                let cap = try maxSends ?? status.capInForce ?? Self.configCap() ?? 200
                var text = json ? TerminalText.jsonSafe(try status.json(cap: cap, path: path)) : status.text(cap: cap, path: path)
                if !json {
                    text += health.freeBytes.map { "\ndisk: \(StateHealth.size($0)) free" } ?? ""
                    text += health.problems(statePath: path).map { "\nwarning: \($0)" }.joined()
                }
                texts.append(states.count > 1 && !json ? "== \(script ?? path)\n" + text : text)
            }
            if !json { texts += missing.map { "== \($0)\nno state yet (it has not run against this account)" } }
            // Several scripts: one section each, or a JSON array.
            printNow(json && states.count > 1 ? "[\n" + texts.joined(separator: ",\n") + "\n]" : texts.joined(separator: "\n\n"))
        }
    }

    static func configCap() throws -> Int? {
        try ConfigFile.defaultPath(environment: ProcessInfo.processInfo.environment).map { try ConfigFile.load(path: $0) }?.maxSends
    }

    static func status(path: String, tz: String?, history: Bool) throws -> StateStatus {
        let store = try StateStore(path: path)
        defer { try? store.close() }
        let zone: TimeZone
        if let tz {
            guard let named = TimeZone(identifier: tz) else { throw ValidationError("unknown time zone '\(tz)' (use a name like America/Toronto)") }
            zone = named
        } else {
            zone = try store.recordedZone() ?? .current
        }
        // No request is made here: the studio's time is this machine's plus the offset the last run measured.
        let clock = try RuntimeClock(environment: ProcessInfo.processInfo.environment)
        let now = clock.now(recordedFor: store)
        return try store.status(now: now, timeZone: zone, journalLimit: history ? 100_000 : 10)
    }
}
