import PixiesetModels
import PXRuntime

/// The plan a dry run prints: each message, then a count.
enum PlanOutput {
    static func text(_ plan: [PlannedMessage]) -> String {
        var lines: [String] = []
        let sends = plan.filter { $0.skipped == nil && !$0.asksApproval }
        let asked = plan.filter(\.asksApproval).count
        // Numbers right-aligned, so a message's lines stay under its header past the ninth.
        let width = String(plan.count).count, indent = String(repeating: " ", count: width + 2)
        func numbered(_ index: Int) -> String {
            let number = String(index + 1)
            return String(repeating: " ", count: width - number.count) + number + "."
        }
        for (number, message) in plan.enumerated() {
            // Names and texts come from the studio and its clients: escaped, line by line.
            let id = TerminalText.escaped(message.conversationID)
            let who = message.clientName.isEmpty ? id : "\(id) (\(TerminalText.escaped(message.clientName)))"
            let at = message.position.isEmpty ? "" : "  [\(TerminalText.escaped(message.position))]"
            if let skipped = message.skipped {
                lines.append("\(numbered(number)) skip \(who): \(TerminalText.escaped(skipped))\(at)")
                continue
            }
            lines.append("\(numbered(number)) \(message.asksApproval ? "would ask for approval to send to" : "to") \(who)\(at)")
            for line in message.content.split(separator: "\n", omittingEmptySubsequences: false) { lines.append(indent + "| \(TerminalText.escaped(String(line)))") }
            if !message.attachments.isEmpty { lines.append(indent + "attachments: \(message.attachments.map(TerminalText.escaped).joined(separator: ", "))") }
        }
        let skipped = plan.count - sends.count - asked
        lines.append(
            "dry run: \(sends.count) message\(sends.count == 1 ? "" : "s") would be sent"
                + (asked > 0 ? ", \(asked) would wait for approval" : "")
                + (skipped > 0 ? ", \(skipped) skipped (already sent)" : "") + "; nothing was sent")
        return lines.joined(separator: "\n")
    }
}
