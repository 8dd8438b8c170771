import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PixiesetKit
import PXConfig
import PXRuntime
import PXState

/// The dashboard's pages and actions. Pages read the states;
/// actions go through the commands' own code.
struct DashboardSite: Sendable {
    let dashboard: Dashboard
    let states: DashboardStates

    init(dashboard: Dashboard) {
        self.dashboard = dashboard
        states = DashboardStates(scripts: dashboard.configuration.scripts)
    }

    var configuration: Dashboard.Configuration { dashboard.configuration }
    var clock: RuntimeClock { configuration.clock }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/assets/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: .init(string: DashboardTemplates.css)))
        }
        router.get("/") { request, _ in page(try overview(request)) }
        router.get("/approvals") { request, _ in page(try await approvals(request)) }
        router.get("/activity") { request, _ in page(try activity(request)) }
        router.get("/plan") { request, _ in page(try planPage(request, ran: nil)) }
        router.get("/results") { request, _ in page(try DashboardResults(site: self).page(request)) }
        router.post("/approvals/:id/approve") { request, context in try await decide(request, id: context.parameters.get("id") ?? "", approve: true) }
        router.post("/approvals/:id/reject") { request, context in try await decide(request, id: context.parameters.get("id") ?? "", approve: false) }
        router.post("/pause") { request, _ in try await pause(request, true) }
        router.post("/resume") { request, _ in try await pause(request, false) }
        router.post("/plan") { request, _ in try await plan(request) }
        router.post("/retry") { request, _ in try await retry(request) }
    }

    // MARK: rendering

    /// A page: its template, with what every page has filled in.
    func page(_ model: some DashboardPage) -> Response {
        var model = model
        model.frame.zone = configuration.timeZone.identifier
        model.frame.current(type(of: model).template)
        model.frame.waiting = (try? waitingCount()).flatMap { $0 > 0 ? $0 : nil }
        guard let html = DashboardTemplates.render(model) else {
            return Self.plain(.internalServerError, "The page's template does not parse (\(DashboardTemplates.library.broken.joined(separator: ", "))): a bug in pxscript.")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: .init(string: html)))
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        let html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pxscript</title></head><body><main><h1>pxscript dashboard</h1><p>"
            + escape(text) + "</p></main></body></html>"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: .init(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    /// Back to `path` after an action, with what happened shown there.
    static func redirect(_ path: String, notice: String) -> Response {
        var parts = URLComponents()
        parts.path = DashboardGuard<BasicRequestContext>.ownPath(path)
        parts.queryItems = [URLQueryItem(name: "notice", value: notice)]
        var response = Response(status: .seeOther)
        response.headers[.location] = parts.string ?? path
        return response
    }

    func session(_ request: Request) -> String { DashboardGuard<BasicRequestContext>.cookie(DashboardGuard<BasicRequestContext>.cookieName, in: request) ?? "" }
    func csrf(_ request: Request) -> String { dashboard.keys.csrf(for: session(request)) }
    func notice(_ request: Request) -> String? { request.uri.queryParameters["notice"].map(String.init).map { String($0.prefix(300)) } }

    /// The time as the photographer reads it, as every command shows it (`ShownTime`).
    func local(_ date: Date) -> String { ShownTime.text(date, in: configuration.timeZone, now: clock.now()) }

    func waitingCount() throws -> Int {
        var total = 0
        for index in configuration.scripts.indices { total += try states.store(index)?.approvals.list(in: [.pending]).count ?? 0 }
        return total
    }

    // MARK: overview

    func overview(_ request: Request) throws -> OverviewPage {
        var problem: String?, studioOutage: String?
        var scripts: [OverviewPage.Script] = []
        let now = clock.now()
        for (index, script) in configuration.scripts.enumerated() {
            var shown = OverviewPage.Script(index: index, label: script.label)
            guard let store = try states.store(index) else {
                shown.missing = true
                scripts.append(shown)
                continue
            }
            let zone = (try? store.recordedZone()) ?? configuration.timeZone
            let status = try store.status(now: now, timeZone: zone, journalLimit: 0)
            if let session = status.session { problem = "Sends wait: the session \(session)." }
            let holder = DaemonLock.holder(statePath: script.statePath)
            if let outage = status.studioOutage, holder != nil {
                studioOutage = "The studio has not answered the daemon since \(local(outage.since)) (\(outage.why))."
            }
            shown.csrf = csrf(request)
            shown.daemon = holder.map { "running (\($0))" } ?? "not running"
            shown.sendsToday = status.sendsToday
            shown.cap = status.capInForce ?? configuration.config.maxSends ?? 200
            shown.paused = status.paused
            shown.approvals = try store.approvals.list(in: [.pending]).count
            shown.parked = status.parked.count
            shown.hasParked = !status.parked.isEmpty
            shown.schedules = status.schedules.map {
                OverviewPage.Schedule(
                    name: SendKeyText.scheduleName($0.id), next: $0.nextRun.map(local) ?? "never", failure: $0.lastFailure.map { String($0.prefix(300)) })
            }
            if let offset = status.studioOffset, abs(offset) > 1 { shown.offset = RuntimeClock.describe(offset: offset) }
            // Notifications that have not reached you: waiting for a target, or given up on (the activity says why).
            let notices = [status.notices.waiting > 0 ? "\(status.notices.waiting) waiting for delivery" : nil,
                           status.notices.givenUp > 0 ? "\(status.notices.givenUp) given up" : nil].compactMap { $0 }
            if !notices.isEmpty { shown.notices = notices.joined(separator: ", ") }
            scripts.append(shown)
        }
        return OverviewPage(
            frame: PageFrame(title: "Overview", notice: notice(request)), sessionOK: problem == nil, sessionProblem: problem, scripts: scripts,
            studioOutage: studioOutage)
    }

    // MARK: approvals

    func approvals(_ request: Request) async throws -> ApprovalsPage {
        var open: [ApprovalsPage.Request] = [], closed: [(at: Date, row: ApprovalsPage.Closed)] = []
        for (index, script) in configuration.scripts.enumerated() {
            guard let store = try states.store(index) else { continue }
            for approval in try store.approvals.list() {
                if approval.state == .pending {
                    open.append(ApprovalsPage.Request(
                        id: approval.id, client: approval.clientName.isEmpty ? approval.conversationID : approval.clientName, script: script.label,
                        asked: local(approval.createdAt), expires: local(approval.expiresAt), why: approval.why, text: approval.text,
                        attachments: approval.attachmentNames, csrf: csrf(request), conversation: approval.conversationID))
                } else if approval.state != .approved {
                    closed.append((approval.decidedAt ?? approval.createdAt, ApprovalsPage.Closed(
                        id: approval.id, client: approval.clientName, state: approval.state.rawValue, detail: approval.detail ?? "")))
                }
            }
        }
        closed.sort { $0.at > $1.at }
        // The conversation's last messages, for context: one read per request shown (at most 10).
        let contexts = await DashboardContext(configuration: configuration, logger: dashboard.logger)
            .lastMessages(of: open.prefix(10).map(\.conversation))
        for index in open.indices {
            guard let messages = contexts[open[index].conversation], !messages.isEmpty else { continue }
            open[index].context = messages
            open[index].contextShown = true
        }
        return ApprovalsPage(
            frame: PageFrame(title: "Approvals", notice: notice(request)), open: open, closed: closed.prefix(20).map(\.row), closedShown: !closed.isEmpty)
    }

    func decide(_ request: Request, id: String, approve: Bool) async throws -> Response {
        let form = try await DashboardForm(request)
        guard dashboard.keys.isCSRF(form["csrf"] ?? "", for: session(request)) else { return Self.plain(.forbidden, "Refused: the form is stale. Reload the page.") }
        guard let (_, store) = try states.holding(id) else { return Self.redirect("/approvals", notice: "\(id.prefix(40)) is not a request here.") }
        let desk = ApprovalDesk(
            api: configuration.api, config: configuration.config, clock: clock, logger: dashboard.logger, environment: configuration.environment)
        guard approve else {
            let reason = form["reason"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
            let rejected = try await desk.reject(id, in: store, reason: reason)
            return Self.redirect("/approvals", notice: rejected ? "\(id) rejected: it will not be sent." : "\(id) was no longer waiting.")
        }
        let original = try store.approvals.find(id)?.text
        let text = form["text"]?.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines)
        guard text.map({ !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) ?? true else {
            return Self.redirect("/approvals", notice: "The message is empty: \(id) was not approved.")
        }
        let edited = text == original ? nil : text
        let said: String
        do {
            switch try await desk.approve(id, in: store, edited: edited) {
            case .notWaiting(let state, let detail): said = "\(id) is \(state)\(detail.map { " (\($0))" } ?? ""): not approved again."
            case .leftToDaemon: said = "\(id) approved\(edited == nil ? "" : " (edited)"); the running daemon sends it within one poll."
            case .sent(let message): said = "\(id) approved\(edited == nil ? "" : " (edited)") and sent (\(message))."
            case .waits: said = "\(id) approved; it waits for the send cap or a resume (or another process is sending it)."
            case .notSent(let state, let detail): said = "\(id) approved, then not sent: \(state)\(detail.map { ", \($0)" } ?? "")."
            case .refusedEdit(let problem): said = "\(id) was not approved: \(problem). Shorten the text and approve again."
            }
        } catch {
            said = "\(id) is approved, and sending it from here failed: \(error)"
        }
        return Self.redirect("/approvals", notice: said)
    }

    // MARK: retry

    /// Queues a script's parked messages again (`pxscript retry --all`).
    func retry(_ request: Request) async throws -> Response {
        let form = try await DashboardForm(request)
        guard dashboard.keys.isCSRF(form["csrf"] ?? "", for: session(request)) else { return Self.plain(.forbidden, "Refused: the form is stale. Reload the page.") }
        guard let index = form["script"].flatMap(Int.init), let store = try states.store(index) else {
            return Self.redirect("/", notice: "No such script here.")
        }
        let (queued, _) = try await store.ledger.retryParked(nil, at: clock.now(recordedFor: store))
        let label = configuration.scripts[index].label
        let daemon = DaemonLock.holder(statePath: configuration.scripts[index].statePath) != nil
        return Self.redirect("/", notice: queued.isEmpty ? "Nothing of \(label) was parked."
            : "\(queued.count) parked message\(queued.count == 1 ? "" : "s") of \(label) queued again; "
                + (daemon ? "the daemon handles them within one poll." : "no daemon runs: pxscript watch handles them when it starts."))
    }

    // MARK: pause, resume

    func pause(_ request: Request, _ paused: Bool) async throws -> Response {
        let form = try await DashboardForm(request)
        guard dashboard.keys.isCSRF(form["csrf"] ?? "", for: session(request)) else { return Self.plain(.forbidden, "Refused: the form is stale. Reload the page.") }
        guard let index = form["script"].flatMap(Int.init), let store = try states.store(index) else {
            return Self.redirect("/", notice: "No such script here.")
        }
        try store.settings.setPaused(paused, at: clock.now(recordedFor: store))
        let label = configuration.scripts[index].label
        return Self.redirect("/", notice: paused ? "Sends of \(label) are paused until you resume them." : "Sends of \(label) go out again.")
    }
}
