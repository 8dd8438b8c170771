import PXState
import Synchronization

/// What a dry run would send (docs/spec.md §4 "a plan of every message"), and the
/// placeholder ids it hands scripts instead of real ones.
final class DryRunPlan: Sendable {
    let messages = Mutex<[PlannedMessage]>([])
    private let placeholders = Mutex(0)

    /// A fresh number for a placeholder id (`msg_dry_run_3`).
    func nextPlaceholder() -> Int {
        placeholders.withLock {
            $0 += 1
            return $0
        }
    }
}

/// One message a dry run would send.
public struct PlannedMessage: Sendable, Hashable {
    public let conversationID: String
    public let clientName: String
    public let content: String
    public let attachments: [String]
    /// `file:line` of the script line that asked.
    public let position: String
    /// Why it would not be sent, when it would be skipped.
    public let skipped: String?
    /// It would wait for approval instead of going out (`approve = true`, `--approve`).
    public var asksApproval = false
}
