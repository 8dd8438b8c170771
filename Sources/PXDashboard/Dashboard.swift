import Foundation
import Hummingbird
import Logging
import PixiesetKit
import PXConfig
import PXRuntime
import Synchronization

/// The local dashboard: status, approvals, activity, plans and
/// results of some states, in a browser, on 127.0.0.1 only, behind a token.
/// Its actions are the commands' own code (`ApprovalDesk`, `setPaused`, a
/// dry run): it adds no second path to sending.
public struct Dashboard: Sendable {
    /// One script (or, found without one, one state) the dashboard shows.
    public struct Script: Sendable {
        public var label: String
        /// The script, when known (a dry run needs it).
        public var scriptPath: String?
        public var statePath: String

        public init(label: String, scriptPath: String?, statePath: String) {
            self.label = label
            self.scriptPath = scriptPath
            self.statePath = statePath
        }
    }

    public struct Configuration: Sendable {
        public var scripts: [Script]
        /// Resolved when an action needs the studio (an approval sent from here, a dry run).
        public var api: @Sendable () throws -> APIConfiguration
        public var config: ConfigFile
        public var clock: RuntimeClock
        public var environment: [String: String]
        /// Where it listens: 127.0.0.1 unless `--listen` says otherwise.
        public var host = "127.0.0.1"
        /// 0: any free port.
        public var port = 0
        /// A fixed token (tests); a random one otherwise.
        public var token: String?
        public var timeZone: TimeZone = .current

        public init(scripts: [Script], api: @escaping @Sendable () throws -> APIConfiguration, config: ConfigFile, clock: RuntimeClock,
                    environment: [String: String]) {
            self.scripts = scripts
            self.api = api
            self.config = config
            self.clock = clock
            self.environment = environment
        }
    }

    let configuration: Configuration
    let logger: Logger
    let keys: DashboardKeys

    public init(_ configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        keys = DashboardKeys(token: configuration.token)
    }

    /// The address to open: the token in it opens a session.
    public func url(port: Int) -> String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)/?token=\(keys.token)"
    }

    /// The server, to run alone (`runService`) or in a `ServiceGroup` beside `watch`.
    /// `onReady` gets the address once it listens (the port chosen, when 0 was asked).
    public func application(onReady: @escaping @Sendable (String) async -> Void) -> some ApplicationProtocol {
        let site = DashboardSite(dashboard: self)
        let router = Router()
        let port = LockedPort()
        router.add(middleware: DashboardStateThreads())
        router.add(middleware: DashboardGuard(keys: keys, hosts: port.hosts(for: configuration.host)))
        site.register(on: router)
        var serverLogger = logger
        serverLogger.logLevel = .warning
        return Application(
            router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "pxscript"),
            onServerRunning: { channel in
                let chosen = channel.localAddress?.port ?? configuration.port
                port.set(chosen)
                await onReady(url(port: chosen))
            }, logger: serverLogger)
    }
}

/// The port the server got (known once it listens), for the `Host` check.
final class LockedPort: Sendable {
    private let value = Mutex<Int?>(nil)

    func set(_ port: Int) { value.withLock { $0 = port } }

    /// The `Host` values a request may carry: the listening address, and loopback names, with the port.
    var port: Int? { value.withLock { $0 } }

    func hosts(for host: String) -> @Sendable () -> Set<String> {
        { [self] in
            guard let port = self.port else { return [] }
            var names = ["127.0.0.1", "localhost", "[::1]"]
            names.append(host.contains(":") ? "[\(host)]" : host)
            return Set(names.map { "\($0.lowercased()):\(port)" })
        }
    }
}
