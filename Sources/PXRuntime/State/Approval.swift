import Foundation

/// A send waiting for the photographer (issue 20, `docs/approvals.md`):
/// asked for by `approve = true` or `--approve`, sent once approved, unless
/// the conversation moved on first.
public struct Approval: Sendable, Hashable {
    public enum State: String, Sendable {
        /// Waiting for a decision; holds its send key.
        case pending
        /// Approved, not yet sent (the daemon or `approve` sends it); holds its send key.
        case approved
        case sent
        case rejected
        /// The conversation moved on (the client wrote again, or you answered personally).
        case withdrawn
        case expired

        /// Whether it still holds its send key.
        public var isOpen: Bool { self == .pending || self == .approved }
    }

    /// `apr_` and 12 letters and digits, unique across states.
    public let id: String
    public let conversationID: String
    public let clientName: String
    /// The text as the script asked for it.
    public let content: String
    /// The text as approved with `--edit` (what goes out), if edited.
    public let edited: String?
    /// Attachments as the script named them: `att_…` ids, or files by their full path.
    public let attachments: [String]
    /// The send key it holds (and is sent with).
    public let key: String
    /// The script that asked, and the line.
    public let script: String
    public let position: String
    /// Why it waits: `approve = true`, or `--approve`.
    public let why: String
    /// The conversation's latest message when it was asked: anything after it is the conversation moving on.
    public let latestMessageID: String?
    public let state: State
    public let createdAt: Date
    public let expiresAt: Date
    public let decidedAt: Date?
    /// The reason of a rejection or withdrawal.
    public let detail: String?
    public let messageID: String?

    /// What goes out.
    public var text: String { edited ?? content }

    static func newID() -> String {
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return "apr_" + String((0..<12).map { _ in letters[Int.random(in: 0..<letters.count)] })
    }
}
