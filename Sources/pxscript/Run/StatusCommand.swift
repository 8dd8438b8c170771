import ArgumentParser
import Foundation
import PXRuntime

/// `pxscript status [SCRIPT | --state PATH] [--history] [--json]`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what a script's state holds: today's sends, pending sends, the journal, paused or not."
    )

    @OptionGroup var location: StateLocation
    @Flag(help: "Show the whole journal (every send, skip and failure).") var history = false
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("tz"), help: "Time zone to show the day in (default: the zone the state counts in).") var tz: String?
    @Option(name: .customLong("max-sends"), help: "The cap to show today's sends against.") var maxSends: Int = 200

    func run() async throws {
        try await withExitCodes {
            let path = try location.existingPath()
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
            let now = clock.now().addingTimeInterval(try store.studioOffset() ?? 0)
            let status = try store.status(now: now, timeZone: zone, journalLimit: history ? 100_000 : 10)
            if json {
                printNow(try status.json(cap: maxSends, path: path))
            } else {
                printNow(status.text(cap: maxSends, path: path))
            }
        }
    }
}

/// `pxscript pause [SCRIPT | --state PATH]`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop every send on a script's state (from any process) until resume.")

    @OptionGroup var location: StateLocation

    func run() async throws {
        try await setPaused(true, on: location) { "paused: sends on \($0) raise PAUSED until `pxscript resume`" }
    }
}

/// `pxscript resume [SCRIPT | --state PATH]`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let sends on a script's state go out again.")

    @OptionGroup var location: StateLocation

    func run() async throws {
        try await setPaused(false, on: location) { "resumed: sends on \($0) go out again" }
    }
}

/// `pause` and `resume`: records the switch (journaled) on the state, then says so.
private func setPaused(_ paused: Bool, on location: StateLocation, saying message: (String) -> String) async throws {
    try await withExitCodes {
        let store = try StateStore(path: try location.existingPath())
        defer { try? store.close() }
        try store.setPaused(paused, at: try RuntimeClock(environment: ProcessInfo.processInfo.environment).now())
        printNow(message(store.path))
    }
}
