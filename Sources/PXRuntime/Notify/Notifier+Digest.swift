import Foundation
import PXNotify
import PXState

extension Notifier {
    /// Approvals waiting: posts one notice listing the requests no
    /// notice has listed yet, at most once per `approvalDigest`.
    /// - Returns: when the next digest may be posted, if requests wait for it (nil: nothing waits).
    @discardableResult
    func digestApprovals(on store: StateStore, at now: Date) -> Date? {
        guard let waiting = try? store.approvals.unnotified(), !waiting.isEmpty else { return nil }
        if let last = (try? store.settings.value(.approvalDigest)).flatMap({ $0 }).flatMap(Double.init) {
            let next = Date(timeIntervalSince1970: last + approvalDigest)
            // A digest recorded in the future (a clock set back) does not hold the next one for longer than one interval.
            if next > now, next.timeIntervalSince(now) <= approvalDigest { return next }
        }
        let count = waiting.count
        let title = "pxscript: \(count) \(count == 1 ? "message waits" : "messages wait") for your approval"
        let shown = waiting.prefix(10).map { approval in
            let preview = approval.text.split(whereSeparator: \.isNewline).joined(separator: " ")
            return "\(approval.id) to \(approval.clientName): \(preview.count > 80 ? String(preview.prefix(79)) + "…" : preview)"
        }
        let more = count > shown.count ? ["… and \(count - shown.count) more"] : []
        let text = (shown + more + ["Approve with `pxscript approve ID` (or reject), or see them all with `pxscript approvals`."])
            .joined(separator: "\n")
        guard post(Notice(kind: .message, title: title, text: text, at: now), origin: .digest, on: store) else { return nil }
        try? store.approvals.markNotified(waiting.map(\.id), at: now)
        try? store.settings.set(.approvalDigest, String(now.timeIntervalSince1970))
        return nil
    }
}
