import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXState
import ServiceLifecycle

/// The watch daemon (docs/spec.md §5, §6) as a swift-service-lifecycle `Service`:
/// one session with the studio, one poll per interval for all its scripts,
/// and for each script its own Lua state, state file, handlers, schedules,
/// reload and failures (`ScriptHost`). The CLI runs it in a `ServiceGroup`
/// (a signal starts a graceful shutdown: no new poll, the handlers and
/// sends in flight finish); a test runs `run()` on a `VirtualClock` and
/// cancels it. Either way the state stays consistent: sends are recorded
/// before they are made, events are in the ledger before they are handled.
public struct WatchService: Service, CustomStringConvertible {
    /// One script of the daemon.
    public struct Script: Sendable {
        public var path: String
        public var options: RuntimeOptions
        public var statePath: String

        public init(path: String, options: RuntimeOptions, statePath: String) {
            self.path = path
            self.options = options
            self.statePath = statePath
        }
    }

    public struct Configuration: Sendable {
        public var scripts: [Script]
        public var api: APIConfiguration
        /// Every time the daemon reckons with; a `VirtualClock`'s for tests.
        public var clock: RuntimeClock
        /// Seconds between polls.
        public var interval: Double = 30
        /// One poll cycle, then the bursts it found debounced, then the end.
        public var once = false
        /// On a state with no watermark yet: answer messages since then.
        public var since: Date?
        public var dryRun = false
        /// End with the refusal (77, 78) instead of waiting for a new cookie.
        public var exitOnExpiry = false
        public var noReload = false
        /// Where a new cookie is read after an expiry (nil: none, as for the sandbox).
        public var cookies: CookieSource?
        /// Whether the daemon takes the account's lock (not for a sandbox or a dry run).
        public var locksAccount = true
        /// Where its conditions and the scripts' `px.notify` go; the daemon runs its courier.
        public var notifier: Notifier = .recording
        /// Tries of a failing handler before it is parked.
        public var maxAttempts = 3
        /// Seconds before a failing handler's second try; doubled for each further one (at most 5 minutes).
        public var retryDelay: Double = 5
        /// Hears what each script's pass came to, after the pass (the log's summary line says the same
        /// in words): a test stepping the daemon on a `VirtualClock` reads it.
        public var passed: (@Sendable (_ script: String, _ report: WatchLoop.Report) -> Void)?

        public init(scripts: [Script], api: APIConfiguration, clock: RuntimeClock) {
            self.scripts = scripts
            self.api = api
            self.clock = clock
        }
    }

    let configuration: Configuration
    let logger: Logger
    /// Where a dry run's plan goes, pass by pass, with the script it is of (the CLI prints it).
    let plan: @Sendable (String, [PlannedMessage]) -> Void

    public init(_ configuration: Configuration, logger: Logger, plan: @escaping @Sendable (String, [PlannedMessage]) -> Void = { _, _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.plan = plan
    }

    /// Never the fields: the API configuration holds the cookie.
    public var description: String { "pxscript watch \(configuration.scripts.map(\.path).joined(separator: " "))" }

    var clock: RuntimeClock { configuration.clock }
    var environment: [String: String] { configuration.scripts.first?.options.environment ?? [:] }

    /// True once a graceful shutdown began (or the task was cancelled).
    var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Runs the daemon in a task of its own, on a virtual clock attached to
    /// it first, so that a caller's next `advance` waits for it to start.
    public func start() -> Task<Void, any Error> {
        clock.virtual?.attach()
        return Task { try await run() }
    }

    /// Runs on pxscript's state threads (`StateThreads`): opening, closing and marking the states may
    /// wait for another program's lock, never on a cooperative thread; each session's work then runs
    /// on its client's event loop (decision 0006).
    public func run() async throws {
        try await withTaskExecutorPreference(StateThreads.shared) { try await runOnStateThreads() }
    }

    private func runOnStateThreads() async throws {
        clock.virtual?.attach()
        defer { clock.virtual?.daemonEnded() }
        let paths = configuration.scripts.map(\.path)
        var locks: [DaemonLock] = []
        var hosts: [ScriptHost] = []
        defer {
            for host in hosts { host.close() }
            withExtendedLifetime(locks) {}
        }
        for script in configuration.scripts {
            logger.debug("state of \(script.path): \(script.statePath)")
            guard let (lock, host) = try await openWaiting(script, scripts: paths) else { return }
            if let lock { locks.append(lock) }
            hosts.append(host)
        }
        // Down since when (a run that ended without stopping), read before this run marks anything.
        let downtime = hosts.first.flatMap { Downtime.found(in: $0.store, now: clock.now(), interval: configuration.interval) }
        // An outage an earlier daemon saw is not this one's: it says so again if its first poll fails.
        for host in hosts { try? host.store.settings.set(.studioOutage, nil) }
        // Any end this process sees is a stop on purpose; only a kill or a crash leaves no mark (declared
        // after the hosts' `defer`, so it runs before their states close).
        defer { try? hosts.first?.store.settings.set(.stoppedAt, String(clock.now().timeIntervalSince1970)) }
        let delivery = Delivery(courier: configuration.notifier.courier, stores: hosts.map(\.store))
        do {
            try await serve(hosts: &hosts, downtime: downtime)
        } catch {
            await delivery.finish()
            throw error
        }
        await delivery.finish()
    }

    /// Takes the daemon's lock on a script's state and opens it, waiting out local faults. A dry run
    /// takes no lock: it works on a copy of the state, so it runs beside the script's daemon (the
    /// dashboard's Plan of a watched script, `watch --dry-run --once` while the service runs).
    private func openWaiting(_ script: Script, scripts: [String]) async throws -> (DaemonLock?, ScriptHost)? {
        try await waitingOutLocalFaults(before: "it starts \(script.path)") {
            let lock = configuration.dryRun ? nil : try DaemonLock(statePath: script.statePath, scripts: scripts)
            // A dry-run daemon sends nothing, whatever a script's own options say.
            var script = script
            if configuration.dryRun { script.options.dryRun = true }
            return (lock, try ScriptHost(script: script, dryRun: configuration.dryRun, now: clock.now()))
        }
    }

    /// Loads a script (its top level, its pending sends reconciled), waiting out local faults.
    /// Its error otherwise (nil: loaded, or the daemon is stopping).
    private func loadWaiting(_ host: inout ScriptHost, client: PixiesetClient) async -> (any Error)? {
        do {
            _ = try await waitingOutLocalFaults(before: "it loads \(host.script.path)") {
                if let error = await host.load(client: client, clock: clock, logger: logger) { throw error }
            }
            return nil
        } catch {
            return error
        }
    }

    /// Tries `attempt` until it meets no local fault (the state locked by a backup, the disk full),
    /// as the passes do: said once, tried again after 0.5 s doubling up to the poll
    /// interval. Nil when the daemon was stopped meanwhile; any other error is thrown.
    private func waitingOutLocalFaults<T>(before what: String, _ attempt: () async throws -> T) async throws -> T? {
        var pause = 0.5
        var said = false
        while true {
            do {
                return try await attempt()
            } catch {
                guard let fault = LocalFault(error), !configuration.once else { throw error }
                if !said { logger.error("\(fault); the daemon waits for it to pass before \(what)") }
                said = true
                let wait = Duration.seconds(clamping: pause)
                await cancelWhenGracefulShutdown { try? await Task.sleep(for: wait) }
                if stopping { return nil }
                pause = min(pause * 2, max(configuration.interval, 0.5))
            }
        }
    }

    /// The daemon's sessions, one after another (a new cookie starts the next).
    private func serve(hosts: inout [ScriptHost], downtime: Downtime?) async throws {
        // A daemon outlives a session: after an expiry it re-reads the cookie
        // every poll and starts over with the new one (docs/spec.md §6).
        // Answers bounded by the largest memory a script of the daemon may hold.
        var api = configuration.api.holding(atMost: configuration.scripts.map(\.options.limits.maxMemory).max() ?? Int.max)
        api.studioClock = clock.studio
        var accountLock: DaemonLock?
        defer { withExtendedLifetime(accountLock) {} }
        var downtime = downtime
        while true {
            guard let credentials = try await session(api: api, hosts: &hosts, accountLock: &accountLock, downtime: &downtime) else { return }
            api.cookie = credentials.cookie
            api.cookieOrigin = credentials.origin
            api.csrfToken = credentials.csrfToken
            logger.info("new login details (from \(credentials.origin)): resuming")
        }
    }

    /// Runs the daemon with one cookie until it is stopped or, after an
    /// expiry, the cookie source gives a different cookie (returned).
    private func session(api: APIConfiguration, hosts: inout [ScriptHost], accountLock: inout DaemonLock?, downtime: inout Downtime?) async throws
        -> CookieSource.Credentials?
    {
        try await PixiesetClient.withClient(api, logger: logger) { client in
            var failures: [any Error] = []
            for index in hosts.indices {
                if let error = await loadWaiting(&hosts[index], client: client) {
                    failures.append(error)
                    if hosts.count > 1 {
                        let path = hosts[index].script.path
                        logger.error("\(path) is set aside until it is edited: \(error)")
                        configuration.notifier.raise(
                            .reload(script: path, error: WatchCycle.firstLine("\(error)")), script: path, on: hosts[index].store, at: clock.now())
                    }
                }
            }
            // Alone, a script that does not load ends the daemon as it always did; among others it waits.
            if failures.count == hosts.count, let first = failures.first { throw first }
            // Held from the first session on (a renewed cookie is the same account).
            if hosts.contains(where: \.handlesMessages), accountLock == nil, configuration.locksAccount, !configuration.dryRun, let cookie = api.cookie {
                accountLock = try DaemonLock.account(
                    baseURL: api.baseURL, cookie: cookie, scripts: hosts.map { ($0.script.path, $0.script.statePath) }, environment: environment)
            }
            // Schedules count from the start in the studio's time: read it before the loops note when they started.
            // A read: a stop cuts it short (the loop below then does not start).
            await cancelWhenGracefulShutdown { await client.measureClock() }
            var cycle = WatchCycle(service: self, client: client)
            cycle.downtime = downtime
            defer { downtime = cycle.downtime }
            cycle.start(&hosts)
            let names = hosts.map(\.script.path).joined(separator: ", ")
            logger.info("watching \(names) every \(DurationText.format(configuration.interval))\(configuration.dryRun ? " (dry run: nothing is sent)" : "")")
            do {
                try cycle.clearOldProblem(hosts)
            } catch {
                // A read the first poll makes again: a local fault here is waited out there.
                guard LocalFault(error) != nil else { throw error }
            }
            var nextPoll = clock.now()
            var polling = true
            while !stopping {
                if polling { nextPoll = configuration.once ? .distantFuture : clock.now().addingTimeInterval(configuration.interval) }
                do {
                    try await cycle.pass(&hosts, polling: polling)
                } catch {
                    // A local fault met outside a script's pass (a session mark, a heartbeat): waited out too.
                    guard let fault = LocalFault(error), !configuration.once else { throw error }
                    cycle.localFault(fault, in: &hosts, at: nil)
                }
                if let retry = cycle.pollRetry { nextPoll = min(nextPoll, max(retry, clock.now())) }
                if configuration.once, !hosts.contains(where: { $0.debouncing && $0.wake != nil }) { break }
                if stopping { break }
                // Wake for what is due sooner (a schedule, a retry, the end of a debounce) without polling;
                // at least 0.2 s ahead, so something due but not yet runnable cannot spin.
                let wake = hosts.compactMap(\.wake).min().map { max($0, clock.now().addingTimeInterval(0.2)) }
                let grid = VirtualClock.PollGrid(from: nextPoll, every: configuration.interval)
                polling = await cancelWhenGracefulShutdown { await clock.sleep(until: wake, polls: grid) }
                guard !stopping, polling else { continue }
                // Between cycles no handler is in flight: a new cookie, or an edited script, takes over here.
                if cycle.refused, let renewed = renewedCredentials(than: api) { return renewed }
                if !configuration.noReload { await cycle.reload(&hosts) }
            }
            return nil
        }
    }

    /// After an expiry: the cookie source's login, when it differs from the one in use and looks usable.
    private func renewedCredentials(than api: APIConfiguration) -> CookieSource.Credentials? {
        guard let current = (try? configuration.cookies?.credentials())?.flatMap({ $0 }),
              current.cookie != api.cookie || current.csrfToken != api.csrfToken,
              CookieSource.problem(with: current.cookie) == nil
        else { return nil }
        return current
    }
}
