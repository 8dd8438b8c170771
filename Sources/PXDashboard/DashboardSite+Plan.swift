import Foundation
import Hummingbird
import Logging
import PixiesetKit
import PXConfig
import PXRuntime
import PXState
import Synchronization

extension DashboardSite {
    /// The plan page, with the plan of a dry run when one ran.
    func planPage(_ request: Request, ran: (index: Int, plan: DashboardPlan.Outcome?, error: String?)?) throws -> PlanPage {
        let choices = configuration.scripts.enumerated().compactMap { index, script -> PlanPage.Choice? in
            script.scriptPath == nil ? nil : PlanPage.Choice(index: index, label: script.label, selected: ran?.index == index)
        }
        var page = PlanPage(frame: PageFrame(title: "Plan", notice: notice(request)), choices: choices, runnable: !choices.isEmpty, csrf: csrf(request))
        guard let ran else { return page }
        page.ran = "What \(configuration.scripts[ran.index].label) would send now"
        page.error = ran.error
        func rows(_ plan: [PlannedMessage]) -> [PlanPage.Row] {
            plan.map { message in
                PlanPage.Row(
                    client: message.clientName, conversation: message.conversationID, text: message.content, position: message.position,
                    outcome: message.skipped.map { "skip: \($0)" } ?? (message.asksApproval ? "ask for approval" : "send"))
            }
        }
        page.planned = rows(ran.plan?.now ?? [])
        page.plannedShown = !page.planned.isEmpty
        // Each schedule as it would run next (a cron outreach could not be previewed).
        page.schedules = (ran.plan?.schedules ?? []).map { schedule in
            let messages = rows(schedule.plan)
            return PlanPage.Schedule(name: schedule.name, next: schedule.next.map(local), messages: messages, shown: !messages.isEmpty, error: schedule.error)
        }
        return page
    }

    /// A dry run of one script, as `pxscript run SCRIPT --dry-run` makes it (a watch script: `watch --dry-run --once`).
    func plan(_ request: Request) async throws -> Response {
        let form = try await DashboardForm(request)
        guard dashboard.keys.isCSRF(form["csrf"] ?? "", for: session(request)) else { return Self.plain(.forbidden, "Refused: the form is stale. Reload the page.") }
        guard let index = form["script"].flatMap(Int.init), configuration.scripts.indices.contains(index),
              let script = configuration.scripts[index].scriptPath
        else { return Self.redirect("/plan", notice: "No such script here.") }
        let statePath = configuration.scripts[index].statePath
        var plan: DashboardPlan.Outcome?, problem: String?
        do {
            plan = try await DashboardPlan(configuration: configuration, logger: dashboard.logger).run(script: script, statePath: statePath)
        } catch {
            problem = "The dry run failed: \(error)"
        }
        return page(try planPage(request, ran: (index, plan, problem)))
    }
}

/// One dry run from the dashboard: the state copied (nothing recorded), nothing sent.
struct DashboardPlan {
    let configuration: Dashboard.Configuration
    let logger: Logger

    /// What a dry run found: what would go now (a run, or one poll of a watched script), and each
    /// schedule's plan at its next run.
    struct Outcome {
        var now: [PlannedMessage]
        var schedules: [(name: String, next: Date?, plan: [PlannedMessage], error: String?)] = []
    }

    func run(script: String, statePath: String) async throws -> Outcome {
        var api = try configuration.api()
        let clock = configuration.clock
        api.studioClock = clock.studio
        let state = try WorkingState(path: statePath, dryRun: true)
        defer { state.close() }
        var options = RuntimeOptions(
            scriptPath: script, dryRun: true, maxSends: configuration.config.maxSends ?? 200, timeZone: configuration.timeZone,
            allowRead: configuration.config.allowRead, environment: configuration.environment)
        options = try options.settlingZone(on: state.store, at: clock.now())
        let watches = try ScriptCheck.registersHandlers(scriptPath: script)
        if watches {
            // A watch script: what one poll would answer now.
            options.watch = true
            let planned = PlanBox()
            var daemon = WatchService.Configuration(
                scripts: [WatchService.Script(path: script, options: options, statePath: statePath)], api: api, clock: clock)
            daemon.once = true
            daemon.dryRun = true
            daemon.locksAccount = false
            try await WatchService(daemon, logger: logger) { _, plan in planned.add(plan) }.run()
            var outcome = Outcome(now: planned.all)
            outcome.schedules = try await schedules(options: options, api: api, state: state)
            return outcome
        }
        return try await PixiesetClient.withClient(api, logger: logger) { client in
            Outcome(now: try await PXRuntime(options: options, client: client, store: state.store, clock: clock, logger: logger).run().plan)
        }
    }

    /// Each schedule of a watched script run once now on the dry run's copy, as `watch --trigger NAME
    /// --dry-run` does: what it would send at its next run (the studio as it is now).
    private func schedules(options: RuntimeOptions, api: APIConfiguration, state: WorkingState) async throws
        -> [(name: String, next: Date?, plan: [PlannedMessage], error: String?)]
    {
        let clock = configuration.clock
        let next = Dictionary((try? state.store.schedules.list())?.map { (PXRuntime.triggerName($0.id), $0.nextRun) } ?? [], uniquingKeysWith: { a, _ in a })
        return try await PixiesetClient.withClient(api, logger: logger) { client in
            let runtime = try PXRuntime(options: options, client: client, store: state.store, clock: clock, logger: logger)
            _ = try await runtime.loadWatchScript()
            var found: [(name: String, next: Date?, plan: [PlannedMessage], error: String?)] = []
            for name in runtime.scheduleNames.prefix(20) {
                var problem: String?
                do {
                    if try await !runtime.runSchedule(named: name, now: clock.now()) { problem = "Its run failed (the log says why)." }
                } catch {
                    problem = "Its run failed: \(error)"
                }
                found.append((name, next[name] ?? nil, await runtime.takePlan(), problem))
            }
            return found
        }
    }
}

/// The plan a dry-run daemon hands over, pass by pass.
final class PlanBox: Sendable {
    private let messages = Mutex<[PlannedMessage]>([])
    func add(_ plan: [PlannedMessage]) { messages.withLock { $0 += plan } }
    var all: [PlannedMessage] { messages.withLock { $0 } }
}
