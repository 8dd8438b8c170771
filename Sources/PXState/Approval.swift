import Foundation

/// A send waiting for the photographer (`docs/approvals.md`):
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
        /// The studio refused it for good when it was sent (a text over its limit, a conversation gone).
        case refused

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
    /// The send cap and the zone of the run that asked: `approve` sends under them (nil: asked before they were recorded).
    public var maxSends: Int? = nil
    public var zone: String? = nil

    /// What goes out.
    public var text: String { edited ?? content }

    /// A recorded file attachment: `file:` + its full path + \u{1} + the name it is sent under (empty: its own).
    package static func recordedFile(path: String, filename: String?) -> String { "file:" + path + "\u{1}" + (filename ?? "") }

    /// A file read when the request was made: `kept:` + the path of pxscript's copy + \u{1} + the name it is sent under.
    package static func keptFile(path: String, filename: String) -> String { "kept:" + path + "\u{1}" + filename }

    /// A recorded attachment: an `att_…` id, or a file (path, the name it is sent under if given, and
    /// whether the path is pxscript's own copy, made when the request was).
    package static func parse(_ recorded: String) -> (id: String?, path: String, filename: String?, kept: Bool) {
        let kept = recorded.hasPrefix("kept:")
        guard kept || recorded.hasPrefix("file:") else { return (recorded, "", nil, false) }
        let parts = recorded.dropFirst(5).split(separator: "\u{1}", maxSplits: 1, omittingEmptySubsequences: false)
        return (nil, String(parts[0]), parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil, kept)
    }

    /// The attachments as `approvals` shows them: ids, and files by the name they are sent under.
    public var attachmentNames: [String] {
        attachments.map { Self.parse($0) }.map { $0.id ?? $0.filename ?? ($0.path as NSString).lastPathComponent }
    }

    package static func newID() -> String {
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return "apr_" + String((0..<12).map { _ in letters[Int.random(in: 0..<letters.count)] })
    }

    public init(id: String, conversationID: String, clientName: String, content: String, edited: String?, attachments: [String], key: String, script: String, position: String, why: String, latestMessageID: String?, state: State, createdAt: Date, expiresAt: Date, decidedAt: Date?, detail: String?, messageID: String?, maxSends: Int? = nil, zone: String? = nil) {
        self.id = id
        self.conversationID = conversationID
        self.clientName = clientName
        self.content = content
        self.edited = edited
        self.attachments = attachments
        self.key = key
        self.script = script
        self.position = position
        self.why = why
        self.latestMessageID = latestMessageID
        self.state = state
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.decidedAt = decidedAt
        self.detail = detail
        self.messageID = messageID
        self.maxSends = maxSends
        self.zone = zone
    }
}
