import Foundation
import PixiesetModels

/// A message about to be sent, with what identifies it among the
/// conversation's messages afterwards (docs/spec.md §6 reconciliation).
public struct SendIntent: Sendable, Hashable, Codable {
    public var conversationID: String
    public var content: String
    public var attachmentIDs: [String]
    /// The attachments' file names: ids may differ between attempts, names
    /// do not. An empty name stands for an attachment whose name is unknown
    /// (an `att_…` id the script passed): it matches any one attachment.
    public var attachmentNames: [String]

    public init(conversationID: String, content: String, attachmentIDs: [String] = [], attachmentNames: [String] = []) {
        self.conversationID = conversationID
        self.content = content
        self.attachmentIDs = attachmentIDs
        self.attachmentNames = attachmentNames
    }

    /// Whether `message` is this send: a studio message with the same
    /// normalised text, as many attachments, and the same names where known.
    /// With `clients` (the ids of the conversation's client and its client participants), a message
    /// labelled the client's but sent by none of them counts as the studio's too: an API that labels
    /// the studio's own messages as the client's (assumption A26) would otherwise hide a stored send,
    /// and it would be sent again (the simulator found it). A sender among them (the client, a
    /// second person in the conversation) is never taken for pxscript, whatever the text.
    public func matches(_ message: Message, clients: Set<String> = []) -> Bool {
        let relabelled = message.senderType == .client && !clients.isEmpty && message.senderID.map { !clients.contains($0) } ?? false
        guard message.senderType.isStudio || relabelled,
              SendIntent.normalise(message.content) == SendIntent.normalise(content),
              message.attachments.count == attachmentNames.count
        else { return false }
        var unmatched = message.attachments.map(\.filename)
        for name in attachmentNames where !name.isEmpty {
            guard let index = unmatched.firstIndex(of: name) else { return false }
            unmatched.remove(at: index)
        }
        return true
    }

    /// Text as compared for reconciliation: Unicode NFC, `\r\n` as `\n`,
    /// surrounding white space removed (servers may trim or re-encode).
    public static func normalise(_ text: String) -> String {
        isAlreadyNormal(text) ? text : normaliseFully(text)
    }

    /// ASCII without CR that starts and ends visibly is already NFC, with
    /// `\n` line ends and nothing to trim (most messages): Foundation's
    /// three passes over it can be skipped.
    static func isAlreadyNormal(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, let last = bytes.last, first > 0x20, last > 0x20 else { return false }
        return bytes.allSatisfy { $0 < 0x80 && $0 != 0x0D }
    }

    static func normaliseFully(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").precomposedStringWithCanonicalMapping
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// How a send ended.
public enum SendOutcome: Sendable {
    /// The API answered with the message.
    case sent(Message)
    /// The answer was lost, and the message was found in the conversation.
    case reconciled(Message)

    public var message: Message {
        switch self {
        case .sent(let message), .reconciled(let message): message
        }
    }
}
