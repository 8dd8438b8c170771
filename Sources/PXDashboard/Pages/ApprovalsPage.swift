/// `/approvals`: the requests waiting, each with the conversation's last messages, and those closed lately.
struct ApprovalsPage: DashboardPage {
    static let template = "approvals"
    var frame: PageFrame
    var open: [Request]
    var closed: [Closed]
    var closedShown: Bool

    struct Request: Sendable {
        var id: String
        var client: String
        var script: String
        var asked: String
        var expires: String
        var why: String
        var text: String
        var attachments: [String]
        var csrf: String
        var conversation: String
        var context: [Message] = []
        var contextShown = false
    }

    /// One of the conversation's last messages, for context.
    struct Message: Sendable {
        /// `client`, `studio` or `system` (the studio's own notes): the class it is drawn with.
        var side: String
        var who: String
        var text: String
    }

    struct Closed: Sendable {
        var id: String
        var client: String
        var state: String
        var detail: String
    }
}
