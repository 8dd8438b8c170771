/// `/activity`: the journals of every state, newest first, filtered, a page at a time.
struct ActivityPage: DashboardPage {
    static let template = "activity"
    var frame: PageFrame
    var entries: [Entry]
    var entriesShown: Bool
    var filtered: Bool
    /// The client or conversation filtered by, as typed.
    var client: String
    var scriptOptions: [ScriptOption]
    var kindOptions: [KindOption]
    /// Links to the pages before and after this one (nil: none).
    var newer: String?
    var older: String?

    struct Entry: Sendable {
        var at: String
        var script: String
        var kind: String
        var conversation: String?
        var clientName: String?
        var detail: String
        /// The script line a send came from.
        var line: String?
    }

    struct ScriptOption: Sendable {
        var value: Int
        var label: String
        var selected: Bool
    }

    struct KindOption: Sendable {
        var value: String
        var selected: Bool
    }
}
