import Foundation
import Logging
import PXRuntime
import PXState
import PixiesetKit
import PixiesetModels
import StudioSandbox

/// What one scenario works on: a fresh in-process sandbox
/// studio, a virtual clock it shares with the scripts, the scripts' own
/// state files, the daemon of `s:watch`, and the studio's messages not yet
/// checked by an expectation.
actor ScenarioWorld {
    let sandbox: RunningSandbox
    let client: PixiesetClient
    let clock: VirtualClock
    /// The clock's runtime form, for scripts and the daemon (one, so the client's measurements reach them).
    let runtimeClock: RuntimeClock
    /// The zone of the scenario's times without a zone (`--tz`, or the scenario's `tz`).
    let zone: TimeZone
    /// Where scenario files name scripts from.
    let folders: [String]
    /// Scratch space for the scripts' states, removed with the scenario.
    let scratch: String
    let log: ScenarioLog
    let options: ScenarioOptions

    /// The daemon of `s:watch`, while it runs, and what it was started with (a chaotic play restarts it).
    var daemon: Task<Void, any Error>?
    var daemonConfiguration: WatchService.Configuration?
    /// The play's faults and restarts under `--chaos` (nil: none).
    let chaos: ChaosRun?
    /// The scripts run or watched, by name as the scenario gave it, with their state files.
    var states: [String: String] = [:]
    var lastScript: String?
    /// The studio's messages a scenario wrote itself (`s:studio_writes`): not sends.
    var written: Set<String> = []
    /// Sends seen and not yet checked, oldest first; and how far the studio was read.
    var unchecked: [SandboxDatabase.MessageRecord] = []
    var readUpTo: Int64 = 0

    init(
        sandbox: RunningSandbox, client: PixiesetClient, clock: VirtualClock, runtimeClock: RuntimeClock, zone: TimeZone, folders: [String], scratch: String,
        log: ScenarioLog, options: ScenarioOptions, chaos: ChaosRun? = nil
    ) {
        self.chaos = chaos
        self.sandbox = sandbox
        self.client = client
        self.clock = clock
        self.runtimeClock = runtimeClock
        self.zone = zone
        self.folders = folders
        self.scratch = scratch
        self.log = log
        self.options = options
    }

    /// `s:at(TIME)`: sets the clock. Without a zone, a time is in the scenario's.
    func at(_ text: String) throws {
        guard let date = ScenarioTime.parse(text, zone: zone) else {
            throw ScenarioError("bad argument #1 to 'at' (a time like \"2026-06-01 10:00\" or ISO 8601 expected, got \"\(text.prefix(40))\")")
        }
        guard daemon == nil || date >= clock.now() else {
            throw ScenarioError("s:at cannot move the clock back while s:watch runs (use it before s:watch)")
        }
        clock.set(date)
    }

    func now() -> String { ScenarioTime.format(clock.now(), zone: zone) }

    /// `s:advance(D)`: moves the clock; a watched script does what falls due on the way.
    func advance(by seconds: Double) async {
        await advance(to: clock.now().addingTimeInterval(seconds))
    }

    /// Moves the clock to `date` (never back), a watched script doing what falls due on the way.
    /// Under `--chaos`, the daemon may be restarted on the way, between two of its passes.
    func advance(to date: Date) async {
        let target = max(date, clock.now())
        if let chaos, daemon != nil, let cut = chaos.restartPoint(within: target.timeIntervalSince(clock.now())) {
            await clock.advance(to: clock.now().addingTimeInterval(cut))
            await restartDaemon()
        }
        await clock.advance(to: target)
        await collect()
    }

    /// Stops the daemon and starts it again from its states, as after a reboot: what it kept in
    /// Lua globals is gone, what it wrote in its state is not.
    func restartDaemon() async {
        guard let running = daemon, let configuration = daemonConfiguration else { return }
        running.cancel()
        _ = try? await running.value
        chaos?.noteRestart(at: now())
        daemon = WatchService(configuration, logger: log.logger).start()
        // It loads and polls once, as at any start.
        await clock.advance(to: clock.now())
    }

    /// `s:conversation{ client =, email =, subject = }`: a conversation without messages yet.
    func conversation(client name: String, email: String?, subject: String?) async throws -> String {
        let email = email ?? name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: ".") + "@example.com"
        return try await sandbox.database.openConversation(name: name, email: email, subject: subject)
    }

    /// `s:client_writes` and `s:studio_writes` (a personal reply from the web app).
    func write(byClient: Bool, conversation: String, text: String, after: Double?) async throws {
        if let after { await advance(by: after) }
        await collect()
        if byClient {
            _ = try await sandbox.database.clientWritesIn(conversationID: conversation, content: text)
        } else {
            written.insert(try await sandbox.database.studioReplies(conversationID: conversation, content: text).id)
        }
        await collect()
    }

    /// `s:faults{ error_after_commit = 0.5 }`: the sandbox's faults from now on.
    func faults(_ spec: String) throws {
        sandbox.controls.setFaults(try FaultPlan(parsing: spec))
    }

    /// Reads the studio's new messages into `unchecked` (sends only: not the scenario's own studio messages).
    func collect() async {
        guard let (records, last) = try? sandbox.database.studioMessages(after: readUpTo) else { return }
        readUpTo = last
        unchecked += records.filter { !written.contains($0.id) }
    }

    /// The sends not yet checked, as the prelude's expectations read them.
    func uncheckedSends() async -> [SendRecord] {
        await collect()
        let lines = sendOrigins(of: unchecked.map(\.id))
        return unchecked.map { record in
            SendRecord(
                id: record.id, conversation: record.conversationID, client: record.clientName, text: record.content,
                at: ScenarioTime.format(Date(timeIntervalSince1970: record.sentAt), zone: zone), attachments: record.attachmentNames,
                line: lines[record.id].map(ScenarioLog.short) ?? "")
        }
    }

    /// The script line of each send, as the scenario's states recorded it when it was made (never read
    /// back out of log text).
    func sendOrigins(of ids: [String]) -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: String] = [:]
        for path in states.values where FileManager.default.fileExists(atPath: path) {
            guard let store = try? StateStore(path: path) else { continue }
            defer { try? store.close() }
            found.merge((try? store.sends.origins(of: ids)) ?? [:]) { first, _ in first }
        }
        return found
    }

    /// Marks sends checked.
    func check(_ ids: Set<String>) { unchecked.removeAll { ids.contains($0.id) } }

    /// Stops the daemon, if one runs.
    func finish() async {
        guard let daemon else { return }
        daemon.cancel()
        _ = try? await daemon.value
        self.daemon = nil
    }
}

/// A send as an expectation (or a replay's timeline) sees it.
public struct SendRecord: Sendable {
    public let id: String
    public let conversation: String
    public let client: String
    public let text: String
    /// `2026-06-04 10:00` in the scenario's zone.
    public let at: String
    public let attachments: [String]
    /// The script line that sent it (`followup.lua:4`), when known.
    public let line: String
}

/// A scenario's mistake (a bad argument, a script that failed): raised in Lua at the calling line.
struct ScenarioError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
