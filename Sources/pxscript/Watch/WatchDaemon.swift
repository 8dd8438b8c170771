import Foundation
import PixiesetModels
import Logging
import LuaKit
import PXRuntime
import PixiesetKit
import ServiceLifecycle
import UnixSignals

/// The `pxscript watch` daemon (SPEC §5, §6) as a swift-service-lifecycle
/// `Service`, run in a `ServiceGroup`: SIGINT or SIGTERM starts a graceful
/// shutdown (no new poll; the handlers and sends in flight finish, within
/// 30 s, after which they are cancelled); a second signal exits at once
/// (`ForcedStop`). Either way the state is consistent: sends are recorded
/// before they are made and events are in the ledger before they are handled.
struct WatchDaemon: Service, CustomStringConvertible {
    let script: String
    /// Seconds between polls (`--interval`, validated by the command).
    let interval: Double
    let once: Bool
    /// On a state with no watermark yet: answer messages since then.
    let since: Date?
    let sandbox: Bool
    let dryRun: Bool
    let exitOnExpiry: Bool
    let noReload: Bool
    let runtimeOptions: RuntimeOptions
    let api: APIConfiguration
    let statePath: String
    let logger: Logger

    /// Runs the daemon until it is stopped by a signal, `--once`, or an error.
    func runUntilStopped() async throws {
        let forced = ForcedStop()
        defer { withExtendedLifetime(forced) {} }
        // Its end (--once, or a stop) ends the group; its name, not its fields (the cookie), is what the group logs.
        let service = ServiceGroupConfiguration.ServiceConfiguration(
            service: self, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "pxscript watch")
        var configuration = ServiceGroupConfiguration(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Never the fields: the API configuration holds the cookie.
    var description: String { "pxscript watch \(script)" }

    /// True once a graceful shutdown began (or the task was cancelled).
    private var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Sleeps `duration`, waking early when a shutdown begins.
    private func nap(_ duration: Duration) async {
        guard duration > .zero else { return }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    func run() async throws {
        logger.debug("state: \(statePath)")
        let lock = try DaemonLock(statePath: statePath)
        defer { withExtendedLifetime(lock) {} }
        let clock = try RuntimeClock(environment: runtimeOptions.environment)
        // A dry run records nothing durable: it works on a copy, so each plan is printed once per event.
        let state = try WorkingState(path: statePath, dryRun: dryRun)
        defer { state.close() }
        let store = state.store
        let options = try runtimeOptions.settlingZone(on: store, at: clock.now())
        let pause = Duration.seconds(clamping: interval)
        // A daemon outlives a session: after an expiry it re-reads the cookie
        // every poll and starts over with the new one (SPEC §6).
        var api = api
        api.studioClock = clock.studio
        let environment = runtimeOptions.environment
        let cookies = sandbox ? nil : CookieSource(environment: environment, configPath: ConfigFile.defaultPath(environment: environment))
        var version = ScriptVersion(script: script)
        var accountLock: DaemonLock?
        defer { withExtendedLifetime(accountLock) {} }
        while true {
            switch try await session(
                options: options, api: api, store: store, clock: clock, pause: pause, cookies: cookies, version: &version, accountLock: &accountLock)
            {
            case .stopped:
                return
            case .renewed(let credentials):
                api.cookie = credentials.cookie
                api.cookieOrigin = credentials.origin
                api.csrfToken = credentials.csrfToken
                logger.info("new login details (from \(credentials.origin)): resuming")
            case .reloaded:
                logger.info("\(script) changed and compiles: running the new version")
            }
        }
    }

    enum SessionEnd {
        case stopped
        case renewed(CookieSource.Credentials)
        case reloaded
    }

    /// Hot reload (SPEC §6): the script and the modules it requires, by
    /// modification time (a few `stat` calls per poll); a change is
    /// compiled and checked before it is used.
    struct ScriptVersion {
        let script: String
        let policy: FilePolicy?
        /// The files of the version in use, and when each was last modified.
        var stamp: [String: Date]

        init(script: String) {
            self.script = script
            let folder = (script as NSString).deletingLastPathComponent
            policy = try? FilePolicy(scriptFolder: folder.isEmpty ? "." : folder)
            let files = policy.flatMap { try? ScriptCheck.inspect(scriptPath: script, policy: $0).files } ?? [script]
            stamp = Self.stamp(files)
        }

        static func stamp(_ files: [String]) -> [String: Date] {
            Dictionary(files.map { ($0, (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) },
                       uniquingKeysWith: { a, _ in a })
        }

        /// True when a file of the version in use changed and the new version compiles;
        /// a change that does not compile is logged once and the old version keeps running.
        mutating func changedAndValid(logger: Logger) -> Bool {
            let now = Self.stamp(Array(stamp.keys))
            guard now != stamp, let policy else { return false }
            stamp = now
            do {
                // The new version may require other modules: watch those from now on.
                stamp = Self.stamp(try ScriptCheck.inspect(scriptPath: script, policy: policy).files)
                return true
            } catch {
                logger.error("\(script) changed but does not compile; the running version stays: \(error)")
                return false
            }
        }
    }

    /// Runs the daemon with one cookie and one version of the script until
    /// it is stopped, the script changes (and compiles), or, after an
    /// expiry, the cookie source gives a different cookie.
    private func session(
        options runtimeOptions: RuntimeOptions, api: APIConfiguration, store: StateStore, clock: RuntimeClock, pause: Duration, cookies: CookieSource?,
        version: inout ScriptVersion, accountLock: inout DaemonLock?
    ) async throws -> SessionEnd {
        try await PixiesetClient.withClient(api, logger: logger) { client in
            let runtime = try PXRuntime(options: runtimeOptions, client: client, store: store, clock: clock, logger: logger)
            let handlers = try await runtime.loadWatchScript()
            if handlers == 0 && runtime.scheduleCount == 0 {
                logger.warning("the script registers no px.on(\"message\", …) handler and no schedule (px.every, px.cron, px.at): nothing to do")
            }
            // Held from the first session on (a renewed cookie is the same account).
            if handlers > 0, accountLock == nil, !sandbox, !dryRun, let cookie = api.cookie {
                accountLock = try DaemonLock.account(
                    baseURL: api.baseURL, cookie: cookie, statePath: statePath, environment: runtimeOptions.environment)
            }
            let poller = Poller(client: client, store: store, logger: logger, since: since)
            // Schedules count from the start in the studio's time: read it before the loop notes when it started.
            // A read: a stop cuts it short (the loop below then does not start).
            try? await cancelWhenGracefulShutdown { await client.measureClock() }
            let loop = WatchLoop(runtime: runtime, poller: poller, store: store, client: client, logger: logger, clock: clock)
            logger.info("watching \(script) every \(DurationText.format(interval))\(dryRun ? " (dry run: nothing is sent)" : "")")
            // A problem left by an earlier session is cleared by the first poll that works.
            var refusal: SessionRefusal? = try store.sessionProblem() != nil ? .expired : nil
            var expired: Bool { refusal != nil }
            /// Since when the studio has been unreachable (nil: it answers).
            var outage: Date?
            /// One pass (a poll cycle, or the work due between polls); nil when the session expired.
            func pass(_ work: () async throws -> WatchLoop.Report) async throws -> WatchLoop.Report? {
                do {
                    let report = try await work()
                    if let since = outage {
                        logger.info("the studio answers again (after \(DurationText.format(max(0, clock.now().timeIntervalSince(since)))))")
                        outage = nil
                    }
                    // A refused CSRF token is over when a write works: a pass that handled something (reads alone
                    // worked all along). An expiry is over with the first pass that works.
                    if refusal == .expired || (refusal == .csrf && report.handled + report.schedules.ran.count > 0) {
                        try store.setSessionProblem(nil)
                        refusal = nil
                    }
                    if report.polled?.firstStart == true { logger.info("first start: answering messages from now on (history is never answered)") }
                    if let summary = Self.summary(report) { logger.info("\(summary)") }
                    let plan = await runtime.takePlan()
                    if !plan.isEmpty { printNow(PlanOutput.text(plan)) }
                    return report
                } catch is CancellationError where stopping {
                    // A stop during a poll: reads only were cut short, nothing to finish.
                    return nil
                } catch let error where Self.isPassing(error) && !once {
                    // The studio is unreachable or keeps failing: the daemon waits for it, it does not exit.
                    if outage == nil { logger.error("\(describe(error).0); trying again every poll") }
                    outage = outage ?? clock.now()
                    return nil
                } catch let error where SessionRefusal(error) != nil {
                    let kind = SessionRefusal(error)!
                    if exitOnExpiry { throw error }
                    if refusal != kind {
                        switch kind {
                        case .expired:
                            logger.error("\(describe(error).0); waiting for a new cookie (the config file and PIXIESET_COOKIE are read again every poll)")
                            try store.setSessionProblem("expired at \(ISOTime.format(clock.now())); waiting for a new cookie")
                        case .csrf:
                            logger.error("\(describe(error).0); sends wait (reads go on), and the config file is read again every poll")
                            try store.setSessionProblem(
                                "the studio refused the CSRF token of a send at \(ISOTime.format(clock.now())); sends wait for a working token")
                        }
                    }
                    refusal = kind
                    return nil
                }
            }
            repeat {
                let nextPoll = ContinuousClock.now + pause
                // The poll is only reads: a stop cancels it at once instead of waiting for a slow answer.
                var report = try await pass {
                    let polled = try await cancelWhenGracefulShutdown { try await loop.poll() }
                    return try await loop.handle(polled)
                }
                // Between polls, wake for what is due sooner (a schedule, a retry, the end
                // of a debounce) without polling. `--once` waits only for its debounced bursts.
                while let due = report?.wake, !stopping, !once || (report?.debouncing ?? 0) > 0 {
                    // At least 0.2 s apart, so something due but not yet runnable cannot spin.
                    let delay = Duration.seconds(clamping: max(0.2, due.timeIntervalSince(clock.now())))
                    guard once || ContinuousClock.now + delay < nextPoll else { break }
                    await nap(delay)
                    if stopping { break }
                    report = try await pass { try await loop.handleDue() }
                }
                if once || stopping { break }
                await nap(nextPoll - ContinuousClock.now)
                if expired, let current = (try? cookies?.credentials())?.flatMap({ $0 }),
                   current.cookie != api.cookie || current.csrfToken != api.csrfToken,
                   CookieSource.problem(with: current.cookie) == nil
                {
                    return .renewed(current)
                }
                // Between cycles no handler is in flight: the old version has finished its work.
                if !noReload, version.changedAndValid(logger: logger) { return .reloaded }
            } while !stopping
            return .stopped
        }
    }
}

extension WatchDaemon {
    /// One line for what a pass did, naming only what happened: `2 answered, 1 handled without a reply, 1 to retry`.
    static func summary(_ report: WatchLoop.Report) -> String? {
        let quiet = report.handled - report.replied
        let parts = [
            report.replied > 0 ? "\(report.replied) answered" : nil,
            quiet > 0 ? "\(quiet) handled without a reply" : nil,
            report.skipped > 0 ? "\(report.skipped) skipped (too old)" : nil,
            report.failed > 0 ? "\(report.failed) to retry" : nil,
            report.parked > 0 ? "\(report.parked) parked" : nil,
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

extension WatchDaemon {
    /// Failures a daemon outlives (SPEC §6: it never exits for an error that is not the
    /// session's or the configuration's): the studio unreachable, failing, or answering nonsense.
    static func isPassing(_ error: any Error) -> Bool {
        switch error {
        case let api as PixiesetError:
            switch api {
            case .unreachable, .keptFailing, .malformedResponse, .truncatedResponse, .api, .sendPending: return true
            case .sessionExpired, .csrfRefused, .invalidID, .file, .invalidRequest: return false
            }
        case RuntimeError.unavailable: return true
        default: return false
        }
    }
}

/// How the studio refused this login: the session is over (77), or a send's
/// CSRF token was refused while reads work (78).
enum SessionRefusal: Equatable {
    case expired
    case csrf

    init?(_ error: any Error) {
        switch error {
        case PixiesetError.sessionExpired, RuntimeError.sessionExpired: self = .expired
        case PixiesetError.csrfRefused, RuntimeError.csrfRefused: self = .csrf
        default: return nil
        }
    }
}
