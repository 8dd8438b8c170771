import ArgumentParser
import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXConfig
import PXRuntime
import PXState

/// `pxscript approve ID… | --all [SCRIPT]`: approved requests go out exactly once, by the
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
                    chosen += try store.approvals.list(in: [.pending]).map { (store, $0.id) }
                }
                if chosen.isEmpty { printNow("nothing waits for approval") }
            } else {
                for id in items { chosen.append((try states.state(holding: id, in: paths), id)) }
            }
            let apiOptions = states.api
            let desk = ApprovalDesk(
                api: { try apiOptions.resolve() }, config: try Self.config(), clock: clock, logger: logger,
                environment: ProcessInfo.processInfo.environment)
            // Exit 0 only when every request named is sent or on its way (no false success).
            var failed: [String] = []
            for (store, id) in chosen {
                guard let approval = try store.approvals.find(id) else { continue }
                let client = approval.clientName.isEmpty ? "" : " (\(TerminalText.escaped(approval.clientName)))"
                let edited = edit && approval.state == .pending ? try await Self.edited(approval.text) : nil
                switch try await desk.approve(id, in: store, edited: edited) {
                case .notWaiting(let state, let detail):
                    printNow("\(id) is \(state)\(detail.map { " (\(TerminalText.escaped($0)))" } ?? ""): not approved again")
                    if state != Approval.State.sent.rawValue { failed.append(id) }
                case .leftToDaemon(let holder):
                    printNow("\(id) approved; the running daemon (\(holder)) sends it within one poll")
                case .sent(let message):
                    printNow("\(id) approved and sent to \(TerminalText.escaped(approval.conversationID))\(client) (\(TerminalText.escaped(message)))")
                case .waits:
                    printNow("\(id) approved; another process is sending it (or it waits for the send cap or a resume)")
                case .notSent(let state, let detail):
                    printNow("\(id) approved; not sent: \(state)\(detail.map { ", \(TerminalText.escaped($0))" } ?? "")")
                    failed.append(id)
                case .refusedEdit(let problem):
                    printNow("\(id) not approved: \(problem); edit it again (pxscript approve \(id) --edit)")
                    failed.append(id)
                }
            }
            if !failed.isEmpty { throw Failure("not sent: \(failed.joined(separator: ", ")) (\(failed.count) of \(chosen.count))") }
        }
    }

    static func config() throws -> ConfigFile {
        try ConfigFile.defaultPath(environment: ProcessInfo.processInfo.environment).map { try ConfigFile.load(path: $0) } ?? ConfigFile()
    }

    /// The text after `$EDITOR` (or vi) had it; nil when unchanged.
    static func edited(_ text: String) async throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-approve-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let editor = ProcessInfo.processInfo.environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "editor", file.path]
        let status = try await process.runUntilExit()
        guard status == 0 else { throw Failure("the editor exited with \(status): not approved") }
        let result = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        guard !result.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw Failure("the edited text is empty: not approved") }
        return result == text ? nil : result
    }
}
