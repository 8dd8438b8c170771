import ArgumentParser
import Foundation
import PixiesetModels
import PXRuntime
import PXState

/// `pxscript approvals [SCRIPT…]`: the sends waiting for you, with a preview.
struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List the messages waiting for your approval (and, with --all, what became of the others).",
        discussion: """
              pxscript approvals                    (every script's)
              pxscript approve apr_7K2M… | pxscript reject apr_7K2M… --reason "already booked"
            See docs/approvals.md.
            """
    )

    @Argument(help: "Scripts whose requests to list (default: every state's).") var scripts: [String] = []
    @Flag(help: "Also list those sent, rejected, withdrawn or expired, with why.") var all = false
    @OptionGroup var states: ApprovalStates

    func run() async throws {
        try await withExitCodes {
            let clock = try RuntimeClock(environment: ProcessInfo.processInfo.environment)
            var lines: [String] = []
            for path in try states.paths(scripts: scripts) {
                let store = try StateStore(path: path)
                defer { try? store.close() }
                let shown = try store.approvals.list(in: all ? [] : [.pending, .approved])
                let now = clock.now(recordedFor: store), recorded = try store.recordedZone()
                lines += shown.map { approval in
                    // In the studio's zone: the one the request was asked in, else the state's.
                    let zone = approval.zone.flatMap(TimeZone.init(identifier:)) ?? recorded ?? .current
                    return Self.describe(approval, now: now, zone: zone)
                }
            }
            printNow(lines.isEmpty ? "nothing waits for approval" : lines.joined(separator: "\n"))
        }
    }

    /// `apr_…  pending  to conv_… (Emma Wilson)  asked Sun 6 Dec 18:57 EST, open until …  [followup.lua line 12]`, then
    /// the text. What the client or the studio wrote is shown escaped: a name cannot forge a line.
    static func describe(_ approval: Approval, now: Date, zone: TimeZone) -> String {
        var state = approval.state.rawValue
        if approval.state.isOpen, approval.expiresAt <= now { state = "expired" }
        let client = approval.clientName.isEmpty ? "?" : TerminalText.escaped(approval.clientName)
        var head = "\(approval.id)  \(state)  to \(TerminalText.escaped(approval.conversationID)) (\(client))"
        head += "  asked \(ShownTime.text(approval.createdAt, in: zone, now: now))"
        // An approved request does not expire: it waits to be sent (docs/approvals.md).
        if approval.state == .pending { head += ", open until \(ShownTime.text(approval.expiresAt, in: zone, now: now))" }
        if approval.state == .approved { head += ", approved: sent at the next try" }
        head += "  [\(TerminalText.escaped((approval.script as NSString).lastPathComponent)) \(approval.position.split(separator: ":").last.map { "line \($0)" } ?? "")]"
        var lines = [head]
        if let detail = approval.detail { lines.append("  why: \(TerminalText.escaped(detail))") }
        if approval.edited != nil { lines.append("  (edited before approval)") }
        lines += approval.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map { "  | \(TerminalText.escaped(String($0)))" }
        if !approval.attachments.isEmpty { lines.append("  attachments: \(approval.attachmentNames.map(TerminalText.escaped).joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}
