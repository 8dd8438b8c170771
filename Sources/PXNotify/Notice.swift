import Foundation
import PXConfig

/// One notification to the photographer: a condition raised or
/// cleared, a script's `px.notify`, a digest of approvals waiting, a test.
public struct Notice: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A condition began (the session expired, a handler parked, …); sent once until it clears.
        case raised
        /// A raised condition is over.
        case cleared
        /// Something to read once: approvals waiting, the daemon found down, `px.notify`.
        case message
        /// `pxscript notify --test`.
        case test
    }

    public var kind: Kind
    /// The condition's name (`session`, `parked:conv_…`, `cap`, …) for raised and cleared.
    public var condition: String?
    /// One line, shown as the title where a target has one (ntfy's `Title`).
    public var title: String
    /// The body: a few lines, in words for the photographer.
    public var text: String
    /// The script it is about, when one.
    public var script: String?
    /// When it happened, in the studio's time.
    public var at: Date

    public init(kind: Kind, condition: String? = nil, title: String, text: String, script: String? = nil, at: Date) {
        self.kind = kind
        self.condition = condition
        self.title = title
        self.text = text
        self.script = script
        self.at = at
    }

    /// The whole notice as one text, for targets without a title: the title, then the body.
    public var plainText: String { text.isEmpty ? title : title + "\n" + text }
}
