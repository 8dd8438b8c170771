import ArgumentParser
import Foundation
import Logging
import PXRuntime
import PixiesetKit

/// `pxscript approve ID… | --all [SCRIPT]` (issue 20): approved requests go out exactly once, by the
/// running daemon within one poll, or from here when none runs; `--edit` changes the text first.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve waiting messages: they are sent once, unless the conversation moved on meanwhile.")

    @Argument(help: "Request ids (apr_…), or with --all the scripts whose requests to approve.") var items: [String] = []
    @Flag(help: "Approve every waiting request (of the scripts named, else of every state).") var all = false
    @Flag(help: "Edit the text in $EDITOR first (one request): the edited text is what goes out.") var edit = false
    @OptionGroup var states: ApprovalStates

    func validate() throws {
        if !all && items.isEmpty { throw ValidationError("name the requests to approve (apr_…), or --all") }
        if edit && (all || items.count != 1) { throw ValidationError("--edit approves one request at a time") }
    }

    func run() async throws {
        try await withExitCodes {
            let paths = try states.paths(scripts: all ? items : [])
            let clock = try RuntimeClock(environment: ProcessInfo.processInfo.environment)
            let logger = LogOutput.logger(verbose: false, quiet: false, json: false)
            var chosen: [(store: StateStore, id: String)] = []
            if all {
                for path in paths {
                    let store = try StateStore(path: path)
                    chosen += try store.approvals(in: [.pending]).map { (store, $0.id) }
                }
                if chosen.isEmpty { printNow("nothing waits for approval") }
            } else {
                for id in items { chosen.append((try states.state(holding: id, in: paths), id)) }
            }
            for (store, id) in chosen {
                guard let approval = try store.approval(id) else { continue }
                // Approved but not sent (its daemon or an earlier `approve` stopped first): sent now, still once.
                let unsent = approval.state == .approved
                let edited = edit && !unsent ? try Self.edited(approval.text) : nil
                guard try await store.decide(id, approve: true, edited: edited, at: clock.now(recordedFor: store)) || unsent else {
                    let now = try store.approval(id) ?? approval
                    printNow("\(id) is \(now.state.rawValue)\(now.detail.map { " (\($0))" } ?? ""): not approved again")
                    continue
                }
                if let holder = DaemonLock.holder(statePath: store.path) {
                    printNow("\(id) approved; the running daemon (\(holder)) sends it within one poll")
                    continue
                }
                try await send(id, approval: approval, store: store, clock: clock, logger: logger)
            }
        }
    }

    /// Sends an approved request from here (no daemon runs on its state), with its script's options.
    private func send(_ id: String, approval: Approval, store: StateStore, clock: RuntimeClock, logger: Logger) async throws {
        var api = try states.api.resolve()
        api.studioClock = clock.studio
        let config = try ConfigFile.defaultPath(environment: ProcessInfo.processInfo.environment).map { try ConfigFile.load(path: $0) } ?? ConfigFile()
        // The cap and zone recorded with the request (the run that asked), else the config's and the state's.
        let recorded = try store.recordedZone()
        let zone = approval.zone.flatMap(TimeZone.init(identifier:)) ?? recorded ?? .current
        var options = RuntimeOptions(
            scriptPath: approval.script, maxSends: approval.maxSends ?? config.maxSends ?? 200, timeZone: zone,
            environment: ProcessInfo.processInfo.environment)
        options.allowRead = config.allowRead
        try await PixiesetClient.withClient(api, logger: logger) { client in
            let runtime = try PXRuntime(options: options, client: client, store: store, clock: clock, logger: logger)
            let sent = try await runtime.sendApproved(only: [id])
            let now = try store.approval(id)
            if let message = sent.first.flatMap({ _ in now?.messageID }) {
                printNow("\(id) approved and sent to \(approval.conversationID) (\(message))")
            } else if now?.state == .approved {
                printNow("\(id) approved; another process is sending it (or it waits for the send cap or a resume)")
            } else {
                printNow("\(id) approved; not sent: \(now.map { "\($0.state.rawValue)" + ($0.detail.map { ", \($0)" } ?? "") } ?? "?")")
            }
        }
    }

    /// The text after `$EDITOR` (or vi) had it; nil when unchanged.
    static func edited(_ text: String) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-approve-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let editor = ProcessInfo.processInfo.environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "editor", file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure("the editor exited with \(process.terminationStatus): not approved") }
        let result = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        guard !result.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw Failure("the edited text is empty: not approved") }
        return result == text ? nil : result
    }
}

/// `pxscript reject ID… | --all [SCRIPT] [--reason TEXT]`.
struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject waiting messages: they are never sent.")

    @Argument(help: "Request ids (apr_…), or with --all the scripts whose requests to reject.") var items: [String] = []
    @Flag(help: "Reject every waiting request (of the scripts named, else of every state).") var all = false
    @Option(help: "Why, kept in the journal.") var reason: String?
    @OptionGroup var states: ApprovalStates

    func validate() throws {
        if !all && items.isEmpty { throw ValidationError("name the requests to reject (apr_…), or --all") }
    }

    func run() async throws {
        try await withExitCodes {
            let paths = try states.paths(scripts: all ? items : [])
            let clock = try RuntimeClock(environment: ProcessInfo.processInfo.environment)
            var chosen: [(store: StateStore, id: String)] = []
            if all {
                for path in paths { let store = try StateStore(path: path); chosen += try store.approvals(in: [.pending]).map { (store, $0.id) } }
            } else {
                for id in items { chosen.append((try states.state(holding: id, in: paths), id)) }
            }
            for (store, id) in chosen {
                let rejected = try await store.decide(id, approve: false, reason: reason, at: clock.now(recordedFor: store))
                printNow(rejected ? "\(id) rejected" : "\(id) is no longer waiting: not rejected")
            }
        }
    }
}
