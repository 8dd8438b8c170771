import Foundation
@testable import PXDashboard
import Testing

/// The pages render their typed models: a value present is shown, an absent one leaves no
/// trace (never "nil" or "Optional"), and every section a template opens finds its field.
@Suite("dashboard pages from typed models")
struct PageModelTests {
    static func render(_ page: some DashboardPage) throws -> String {
        var page = page
        page.frame.zone = "Europe/Paris"
        page.frame.current(type(of: page).template)
        return try #require(DashboardTemplates.render(page))
    }

    static func clean(_ html: String) {
        #expect(!html.contains("nil") && !html.contains("Optional"), "\(html)")
        #expect(html.contains("<!doctype html>") && html.contains("</html>"))
    }

    @Test("overview: a script without a state, and one with everything set, side by side")
    func overview() throws {
        var full = OverviewPage.Script(index: 1, label: "followup.lua")
        full.paused = true
        full.offset = "3 minutes ahead"
        full.notices = "2 given up"
        full.schedules = [.init(name: "morning", next: "Mon 09:00", failure: "no template"), .init(name: "digest", next: "never", failure: nil)]
        var missing = OverviewPage.Script(index: 0, label: "new.lua")
        missing.missing = true
        var frame = PageFrame(title: "Overview", notice: nil)
        frame.waiting = 3
        let html = try Self.render(OverviewPage(
            frame: frame, sessionOK: false, sessionProblem: "Sends wait: the session expired.", scripts: [missing, full],
            studioOutage: "The studio has not answered the daemon since Mon 09:00 (HTTP 503)."))
        Self.clean(html)
        for shown in ["No state yet", "paused", "3 minutes ahead", "2 given up", "last run failed: no template", "Approvals (3)",
                      "Sends wait: the session expired.", "Europe/Paris", "aria-current=\"page\">Overview",
                      "The studio has not answered the daemon since Mon 09:00 (HTTP 503).", "what clients write meanwhile is read and answered"] {
            #expect(html.contains(shown), "\(shown)")
        }
        #expect(html.components(separatedBy: "last run failed").count == 2, "a schedule that did not fail says nothing")
        let quiet = try Self.render(OverviewPage(frame: PageFrame(title: "Overview", notice: nil), sessionOK: true, sessionProblem: nil, scripts: []))
        Self.clean(quiet)
        #expect(quiet.contains("The Pixieset session works.") && !quiet.contains("Approvals (") && !quiet.contains("has not answered"))
    }

    @Test("approvals, activity, plan and results render their optional parts only when present")
    func otherPages() throws {
        var request = ApprovalsPage.Request(
            id: "apr_AAAAAAAAAAAA", client: "Olivia", script: "a.lua", asked: "today", expires: "tomorrow", why: "approve = true",
            text: "Hello <b>", attachments: ["guide.pdf"], csrf: "t", conversation: "conv_1")
        request.context = [.init(side: "client", who: "Client:", text: "Are you free?")]
        request.contextShown = true
        let approvals = try Self.render(ApprovalsPage(
            frame: PageFrame(title: "Approvals", notice: "done"), open: [request], closed: [.init(id: "apr_B", client: "Ann", state: "sent", detail: "")],
            closedShown: true))
        Self.clean(approvals)
        #expect(approvals.contains("Hello &lt;b&gt;") && approvals.contains("Are you free?") && approvals.contains("Attached: guide.pdf"))
        #expect(approvals.contains("Closed lately") && approvals.contains("role=\"status\">done"))

        let activity = try Self.render(ActivityPage(
            frame: PageFrame(title: "Activity", notice: nil),
            entries: [.init(at: "now", script: "a.lua", kind: "sent", conversation: nil, clientName: nil, detail: "msg_1", line: nil)],
            entriesShown: true, filtered: false, client: "", scriptOptions: [.init(value: 0, label: "a.lua", selected: true)],
            kindOptions: [.init(value: "sent", selected: false)], newer: nil, older: "/activity?page=1"))
        Self.clean(activity)
        #expect(activity.contains(">Older<") && !activity.contains(">Newer<") && !activity.contains("from line") && !activity.contains("href=\"/activity?client="))

        var plan = PlanPage(frame: PageFrame(title: "Plan", notice: nil), choices: [], runnable: false, csrf: "t")
        Self.clean(try Self.render(plan))
        plan.ran = "What a.lua would send now"
        plan.schedules = [.init(name: "digest", next: nil, messages: [], shown: false, error: nil)]
        let ran = try Self.render(plan)
        Self.clean(ran)
        #expect(ran.contains("It would send nothing now.") && ran.contains("Schedule digest at its next run</h3>") && ran.contains("It would send nothing."))

        let results = try Self.render(ResultsPage(
            frame: PageFrame(title: "Results", notice: nil), days: 90, chartDays: 30,
            groups: [.init(script: "a.lua", name: "line a.lua:3", sent: 4, day1: "50%", day3: "75%", day7: "75%", median: "2h")], groupsShown: true,
            sendsChart: "<svg id=\"sends\"></svg>", replyChart: "<svg id=\"replies\"></svg>"))
        Self.clean(results)
        #expect(results.contains("<svg id=\"sends\">") && results.contains("line a.lua:3") && results.contains("last 30 days"))
    }
}
