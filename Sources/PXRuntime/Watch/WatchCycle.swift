import Foundation
import Logging
import PixiesetKit
import PXNotify
import PXState
import ServiceLifecycle

/// One session's passes of the watch daemon (docs/spec.md §6): the poll for all
/// scripts, each script's handling of what is due, and what the daemon
/// makes of failures: the studio unreachable (it waits), the session
/// refused (sends wait for a new cookie or token), a script's own error
/// (that script is set aside; alone, it ends the daemon as before).
struct WatchCycle {
    let service: WatchService
    let client: PixiesetClient
    /// The poll of every message-handling script (nil: none handles messages).
    private(set) var poller: Poller?
    /// How the studio refused this login (nil: it did not).
    private(set) var refusal: SessionRefusal?
    /// Since when the studio has been unreachable (nil: it answers).
    private var outage: Date?
    /// The daemon was found down when it started: told after the first pass that works, with what it caught up.
    var downtime: Downtime?
    /// This machine failing the states: what failed and since when; the daemon waits it out.
    var faults = LocalFaults()
    /// When the poll that met a local fault is tried again (sooner than the next regular poll).
    var pollRetry: Date? { faults.pollRetry }

    var refused: Bool { refusal != nil }
    var logger: Logger { service.logger }
    var clock: RuntimeClock { service.clock }
    var configuration: WatchService.Configuration { service.configuration }
    var notifier: Notifier { service.configuration.notifier }

    init(service: WatchService, client: PixiesetClient) {
        self.service = service
        self.client = client
    }

    /// Starts the loops of the scripts that loaded and have none yet, with one poller for those
    /// that handle messages; the loops running keep going (their schedules count from their start).
    ///
    /// - Parameter joining: the daemon is under way (a script loaded after an edit): a script that
    ///   never polled starts from the daemon's watermark, so it answers what the next poll finds,
    ///   like the others, rather than taking it for history.
    mutating func start(_ hosts: inout [ScriptHost], joining: Bool = false) {
        let polled = hosts.filter(\.handlesMessages).map(\.store)
        if joining, let lead = Self.lead(of: polled), let watermark = try? lead.ledger.watermark() {
            for store in polled where (try? store.ledger.watermark()) == .some(nil) {
                try? store.ledger.record(PollRecord(watermark: watermark), at: clock.now())
            }
        }
        // A virtual clock skips idle polls: a sweep waits for as many polls as 5 minutes of real ones would be.
        let sweepPolls = clock.virtual == nil ? 0 : Int(min(1_000, 300 / max(configuration.interval, 0.2)))
        poller = Self.lead(of: polled).map { lead in
            Poller(
                client: client, store: lead, followers: polled.filter { $0 !== lead }, logger: logger, since: configuration.since,
                sweepPolls: sweepPolls)
        }
        let runtimes = hosts.compactMap(\.runtime)
        for index in hosts.indices {
            if hosts[index].loop == nil {
                hosts[index].start(
                    siblings: runtimes, client: client, clock: clock, logger: logger, maxAttempts: configuration.maxAttempts,
                    retryDelay: configuration.retryDelay)
            } else if let own = hosts[index].runtime {
                hosts[index].loop?.siblings = runtimes.filter { $0 !== own }
            }
        }
    }

    /// The state the poll reads with: the one furthest behind (its watermark the oldest), so a
    /// restart catches up for every script; a state never polled learns only what is new from now.
    static func lead(of stores: [StateStore]) -> StateStore? {
        let marked = stores.compactMap { store in (try? store.ledger.watermark()).flatMap { $0 }.map { (store, $0) } }
        return marked.min { $0.1 < $1.1 }?.0 ?? stores.first
    }

    /// A problem left by an earlier session is cleared by the first poll that works.
    mutating func clearOldProblem(_ hosts: [ScriptHost]) throws {
        if try hosts.contains(where: { try $0.store.settings.sessionProblem() != nil }) { refusal = .expired }
    }

    /// One pass: the poll (when due) and each script's handling of what is due after it.
    mutating func pass(_ hosts: inout [ScriptHost], polling: Bool) async throws {
        var polled: Poller.Result?
        if polling, let poller {
            do {
                // The poll is only reads: a stop cancels it at once instead of waiting for a slow answer.
                let now = clock.now()
                clock.virtual?.notePoll()
                polled = try await cancelWhenGracefulShutdown { try await poller.poll(now: now) }
                // What real time would read again at the next poll, a virtual clock must not skip.
                if polled?.readsAgain == true { clock.virtual?.noteChange() }
                let recorded = try? hosts.first?.store.settings.studioOffset()
                for host in hosts { clock.report(to: host.store, logger: logger, recorded: recorded) }
                if polled?.firstStart == true { logger.info("first start: answering messages from now on (history is never answered)") }
            } catch {
                clock.virtual?.notePollFailed()
                try failed(error, in: &hosts, at: nil)
                return
            }
            if faults.isFailing { faults.worked(nil) }
        } else if polling, faults.isFailing {
            // No poll to make (schedules only): a fault met outside a script's pass is retried by this pass.
            faults.worked(nil)
        }
        let now = clock.now(), found = polled
        let due = hosts.indices.filter { hosts[$0].loop != nil && (polling || (hosts[$0].wake.map { $0 <= now } ?? false)) }
        let results = await withTaskGroup(of: (Int, Result<WatchLoop.Report, any Error>).self) { group in
            for index in due {
                guard let loop = hosts[index].loop else { continue }
                group.addTask {
                    do { return (index, .success(polling ? try await loop.handle(found) : try await loop.handleDue())) }
                    catch { return (index, .failure(error)) }
                }
            }
            var results: [(Int, Result<WatchLoop.Report, any Error>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var worked = false
        var caughtUp = WatchLoop.Report()
        for (index, result) in results {
            switch result {
            case .success(let report):
                worked = true
                if faults.isFailing { faults.worked(index) }
                caughtUp.add(report)
                try await settled(report, of: &hosts[index], labelled: hosts.count > 1, hosts: hosts)
            case .failure(let error):
                try failed(error, in: &hosts, at: index)
            }
        }
        if worked, let first = hosts.first {
            // A sign of life per pass: the next start tells a stop from a crash by it.
            try? await first.store.settings.write(.heartbeat, String(clock.now().timeIntervalSince1970))
            if polling, let downtime {
                notifier.post(downtime.notice(caughtUp: WatchService.summary(caughtUp), zone: first.options.timeZone), origin: .daemon, on: first.store)
                self.downtime = nil
            }
        }
        if let (fault, since) = faults.takeCleared() { faultCleared(fault, since: since, hosts: hosts) }
        // Only a poll tells that the studio answers again: a pass between polls (a retry's wake, the end
        // of a debounce) may have met nothing but the same trouble, and waited.
        if worked, polled != nil || poller == nil, let since = outage {
            logger.info("the studio answers again (after \(DurationText.format(max(0, clock.now().timeIntervalSince(since)))))")
            outage = nil
            for host in hosts { try? await host.store.settings.write(.studioOutage, nil) }
        }
    }

    /// A pass of one script that worked: what it did, its plan, when it is next due.
    private mutating func settled(_ report: WatchLoop.Report, of host: inout ScriptHost, labelled: Bool, hosts: [ScriptHost]) async throws {
        // A refused CSRF token is over when a write works: a pass that handled something (reads alone
        // worked all along). An expiry is over with the first pass that works.
        if refusal == .expired || (refusal == .csrf && report.handled + report.schedules.ran.count > 0) {
            for other in hosts { try other.store.settings.setSessionProblem(nil) }
            if let first = hosts.first {
                for name in SessionRefusal.allCases.map(\.noticeName) { notifier.clear(name, script: nil, on: first.store, at: clock.now()) }
            }
            refusal = nil
        }
        noteConditions(of: report, on: host)
        configuration.passed?(host.script.path, report)
        if let summary = WatchService.summary(report) { logger.info("\(labelled ? "\(host.script.path): " : "")\(summary)") }
        if let runtime = host.runtime {
            let plan = await runtime.takePlan()
            if !plan.isEmpty { service.plan(host.script.path, plan) }
        }
        host.wake = report.wake
        host.debouncing = report.debouncing > 0
        // Approvals waiting: one digest per interval; the daemon wakes when the next one may go.
        if let due = notifier.digestApprovals(on: host.store, at: clock.now()) { host.wake = min(host.wake ?? due, due) }
    }

    /// What a pass says the photographer should hear of: handlers parked, or working again; the send cap.
    private func noteConditions(of report: WatchLoop.Report, on host: ScriptHost) {
        let store = host.store, path = host.script.path, now = clock.now()
        for (id, parked) in report.parkedConversations.sorted(by: { $0.key < $1.key }) {
            notifier.raise(.parked(conversationID: id, client: parked.client, error: parked.error), script: path, on: store, at: now)
        }
        if report.capped > 0 { notifier.raise(.cap(limit: host.options.maxSends), script: path, on: store, at: now) }
        // One read, and only after a pass that did something: is anything raised that this pass cleared?
        guard !report.workingConversations.isEmpty, let raised = try? store.notices.raised(), !raised.isEmpty else { return }
        for id in report.workingConversations.sorted() where raised["parked:" + id] != nil {
            notifier.clear("parked:" + id, script: path, on: store, at: now)
        }
        if report.capped == 0, report.replied > 0, raised["cap"] != nil { notifier.clear("cap", script: path, on: store, at: now) }
    }

    /// A pass that failed: the daemon waits (unreachable, a local fault), holds sends (refused), or sets the script aside.
    private mutating func failed(_ error: any Error, in hosts: inout [ScriptHost], at index: Int?) throws {
        if error is CancellationError, service.stopping { return }  // a stop during a poll: reads only were cut short
        if let fault = LocalFault(error), !configuration.once {
            localFault(fault, in: &hosts, at: index)
            return
        }
        if WatchService.isPassing(error), !configuration.once {
            // The studio is unreachable or keeps failing: the daemon waits for it, it does not exit.
            if outage == nil {
                logger.error("\(error); trying again every poll")
                // For `status` and the dashboard: the studio not answering is why nothing new is read.
                let since = clock.now()
                let said = "\(since.timeIntervalSince1970)\t\(WatchCycle.firstLine("\(error)").prefix(300))"
                // blocking: one small write per state, once per outage (as the session's problem is written).
                for host in hosts { try? host.store.settings.set(.studioOutage, said) }
            }
            outage = outage ?? clock.now()
            return
        }
        if let kind = SessionRefusal(error) {
            // Raised before an exit too: the daemon's last act is to try to deliver it.
            if refusal != kind, let first = hosts.first {
                notifier.raise(.session(kind), script: nil, on: first.store, at: clock.now())
            }
            if configuration.exitOnExpiry { throw error }
            if refusal != kind {
                let problem: String
                switch kind {
                case .expired:
                    logger.error("\(error); waiting for a new cookie (the config file and PIXIESET_COOKIE are read again every poll)")
                    problem = "expired at \(ISOTime.format(clock.now())); waiting for a new cookie"
                case .csrf:
                    logger.error("\(error); sends wait (reads go on), and the config file is read again every poll")
                    problem = "the studio refused the CSRF token of a send at \(ISOTime.format(clock.now())); sends wait for a working token"
                }
                for host in hosts { try host.store.settings.setSessionProblem(problem) }
            }
            refusal = kind
            return
        }
        // The script's own failure (its state, its handling): alone it ends the daemon; among others it is set aside.
        guard let index, hosts.count > 1 else { throw error }
        faults.worked(index)  // set aside: no local fault of its own is waited for any more
        logger.error("\(hosts[index].script.path) is set aside until it is edited: \(error)")
        hosts[index].runtime = nil
        hosts[index].loop = nil
        hosts[index].wake = nil
    }

    /// Hot reload (docs/spec.md §6) between cycles: each edited script that compiles replaces its running
    /// version; a script set aside is tried again once edited. The others run on untouched.
    /// An edit that does not load notifies once, until an edit loads.
    mutating func reload(_ hosts: inout [ScriptHost]) async {
        var changed = false
        for index in hosts.indices {
            let path = hosts[index].script.path, store = hosts[index].store
            switch hosts[index].version.change(logger: logger) {
            case .none:
                continue
            case .invalid(let error):
                notifier.raise(.reload(script: path, error: Self.firstLine(error)), script: path, on: store, at: clock.now())
                continue
            case .valid:
                break
            }
            if let error = await hosts[index].load(client: client, clock: clock, logger: logger) {
                if let fault = LocalFault(error) {
                    // Not the edit's fault: loaded again at the next reload, once the state can be written.
                    hosts[index].version.forget()
                    localFault(fault, in: &hosts, at: index)
                    changed = true
                    continue
                }
                logger.error("\(path) changed but does not load; it is set aside until it is edited again: \(error)")
                notifier.raise(.reload(script: path, error: Self.firstLine("\(error)")), script: path, on: store, at: clock.now())
            } else {
                logger.info("\(path) changed and compiles: running the new version")
                notifier.clear(NoticeCondition.reload(script: path, error: "").name, script: path, on: store, at: clock.now())
                pointAtParked(script: path, on: store)
            }
            changed = true
        }
        if changed { start(&hosts, joining: true) }
    }

    /// An edit may be the fix for a handler that parked: say how to hand those messages to it again
    /// (a parked client could never be answered), in the log and once as a notification.
    func pointAtParked(script path: String, on store: StateStore) {
        guard let parked = try? store.ledger.parkedCount(), parked > 0 else { return }
        let how = "`pxscript retry \(path) --all` queues \(parked == 1 ? "it" : "them") again (`pxscript status \(path)` lists \(parked == 1 ? "it" : "them"))"
        logger.warning("\(path): \(parked) parked message\(parked == 1 ? "" : "s") the new version may now handle: \(how)")
        notifier.post(
            Notice(kind: .message, title: "pxscript: \(parked) parked message\(parked == 1 ? "" : "s") may be handled by the new \(path)",
                   text: "The edited script loaded. If it fixes the handler that failed, \(how).", script: path, at: clock.now()),
            on: store)
    }

    /// The first line of an error, for a notice (the traceback stays in the log and `status`).
    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? "").trimmingCharacters(in: .whitespaces)
    }
}
