import ArgumentParser
import Foundation
import PXRuntime

/// `pxscript approvals [SCRIPT…]`: the sends waiting for you, with a preview (issue 20).
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
                let shown = try store.approvals(in: all ? [] : [.pending, .approved])
                lines += shown.map { Self.describe($0, now: clock.now(recordedFor: store)) }
            }
            printNow(lines.isEmpty ? "nothing waits for approval" : lines.joined(separator: "\n"))
        }
    }

    /// `apr_…  pending  to conv_… (Emma Wilson)  asked 2026-…, open until …  [followup.lua:12]`, then the text.
    static func describe(_ approval: Approval, now: Date) -> String {
        var state = approval.state.rawValue
        if approval.state.isOpen, approval.expiresAt <= now { state = "expired" }
        var head = "\(approval.id)  \(state)  to \(approval.conversationID) (\(approval.clientName.isEmpty ? "?" : approval.clientName))"
        head += "  asked \(ISOTime.format(approval.createdAt).prefix(16))"
        if approval.state.isOpen { head += ", open until \(ISOTime.format(approval.expiresAt).prefix(16))" }
        head += "  [\((approval.script as NSString).lastPathComponent) \(approval.position.split(separator: ":").last.map { "line \($0)" } ?? "")]"
        var lines = [head]
        if let detail = approval.detail { lines.append("  why: \(detail)") }
        if approval.edited != nil { lines.append("  (edited before approval)") }
        lines += approval.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map { "  | \($0)" }
        if !approval.attachments.isEmpty { lines.append("  attachments: \(approval.attachmentNames.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}
