/// `/`: the session, then each script's state at a glance, with pause, resume and retry.
struct OverviewPage: DashboardPage {
    static let template = "overview"
    var frame: PageFrame
    var sessionOK: Bool
    var sessionProblem: String?
    var scripts: [Script]
    /// The studio not answering a running daemon's polls: since when and why (nil: it answers).
    var studioOutage: String? = nil

    struct Script: Sendable {
        var index: Int
        var label: String
        /// No state yet: the script never ran (the rest is empty).
        var missing = false
        var csrf = ""
        var daemon = ""
        var sendsToday = 0
        var cap = 0
        var paused = false
        var approvals = 0
        var parked = 0
        var hasParked = false
        /// How far the studio's clock is off, when more than a second.
        var offset: String?
        /// Notifications that have not reached the photographer.
        var notices: String?
        var schedules: [Schedule] = []

        init(index: Int, label: String) {
            self.index = index
            self.label = label
        }
    }

    struct Schedule: Sendable {
        var name: String
        var next: String
        /// Why its last run failed (nil: it ran, or never ran).
        var failure: String?
    }
}
