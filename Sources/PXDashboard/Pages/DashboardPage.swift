import Foundation
import PixiesetKit

/// A page's view model: what its template shows, typed, with the names the
/// template uses. Mustache reads a model's properties by their names; a nil
/// optional is left out (a `{{#field}}` section is skipped, `{{field}}` prints
/// nothing). `frame` is what every page has: the head and foot partials
/// render inside `{{#frame}}`.
protocol DashboardPage: Sendable {
    /// The template that renders it (`DashboardTemplates.templates`).
    static var template: String { get }
    var frame: PageFrame { get set }
}

/// What every page shows around its own content.
struct PageFrame: Sendable {
    var title: String
    /// What the last action did, shown once at the top.
    var notice: String?
    var version = PxscriptVersion.current
    /// The zone the page's times are in.
    var zone = ""
    /// Approvals waiting, for the navigation (nil: none).
    var waiting: Int?
    /// Which page this is, for the navigation's `aria-current`.
    var overview = false, approvalsPage = false, activityPage = false, planPage = false, resultsPage = false

    init(title: String, notice: String?) {
        self.title = title
        self.notice = notice
    }

    /// Marks `template` as the current page.
    mutating func current(_ template: String) {
        overview = template == OverviewPage.template
        approvalsPage = template == ApprovalsPage.template
        activityPage = template == ActivityPage.template
        planPage = template == PlanPage.template
        resultsPage = template == ResultsPage.template
    }
}
