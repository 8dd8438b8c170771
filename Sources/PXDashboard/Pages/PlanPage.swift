/// `/plan`: a dry run of one script, what it would send now and at each schedule's next run.
struct PlanPage: DashboardPage {
    static let template = "plan"
    var frame: PageFrame
    var choices: [Choice]
    var runnable: Bool
    var csrf: String
    /// The heading of the dry run shown (nil: none ran).
    var ran: String?
    /// Why the dry run failed.
    var error: String?
    var planned: [Row] = []
    var plannedShown = false
    var schedules: [Schedule] = []

    struct Choice: Sendable {
        var index: Int
        var label: String
        var selected: Bool
    }

    /// A message the script would send (or skip, or ask approval for).
    struct Row: Sendable {
        var client: String
        var conversation: String
        var text: String
        var position: String
        var outcome: String
    }

    struct Schedule: Sendable {
        var name: String
        var next: String?
        var messages: [Row]
        var shown: Bool
        var error: String?
    }
}
