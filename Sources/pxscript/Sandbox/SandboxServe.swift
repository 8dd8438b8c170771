import ArgumentParser
import Foundation
import Logging
import StudioSandbox

/// `pxscript sandbox serve`.
struct SandboxServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the sandbox studio on loopback until Ctrl-C.",
        discussion: """
            Prints the base URL and the cookie once it is listening. Without --db the data lives in a \
            temporary file that is removed on exit. PXSCRIPT_NOW sets the sandbox's clock.
            """
    )

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = SandboxCommand.defaultPort

    @Option(help: "SQLite file holding the studio's data (created and seeded when new).")
    var db: String?

    @Option(help: "Data for a new database: demo, none or scale:N.")
    var seed: String = "demo"

    @Option(help: "The Cookie header value the API accepts.")
    var cookie: String = "session_cookie=sandbox"

    @Option(help: "Faults to inject, e.g. error=0.2,throttle=0.1,error_after_commit=0.05,latency=20ms,expire,seed=7.")
    var faults: String?

    @Option(help: "Quirks of the real API to emulate: mark_read_on_get, unordered, plain_timestamps, csrf, nested_errors, username_ids.")
    var quirks: String?

    @Option(help: "seed (the seed page to the letter) or realistic (every quirk the real API is documented to have: csrf, nested_errors, username_ids). Default: PXSCRIPT_SANDBOX_PROFILE, else seed.")
    var profile: String?

    @Flag(help: "Log every request.")
    var verbose = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        try await withExitCodes {
            var configuration = SandboxConfiguration()
            configuration.port = port
            configuration.cookie = cookie
            configuration.databasePath = db
            configuration.seed = try SandboxConfiguration.Seed(parsing: seed)
            configuration.faults = try faults.map(FaultPlan.init(parsing:)) ?? .none
            let profileQuirks = try profile.map(Quirks.init(profile:)) ?? Quirks.fromEnvironment(ProcessInfo.processInfo.environment)
            configuration.quirks = try profileQuirks.union(quirks.map(Quirks.init(parsing:)) ?? [])
            configuration.clock = try FixedNow.clock(environment: ProcessInfo.processInfo.environment)
            configuration.logger.logLevel = verbose ? .info : .warning
            configuration.logRequests = verbose
            let temporary = db == nil
            let (faults, quirks, seed) = (configuration.faults, configuration.quirks, configuration.seed)
            try await StudioSandbox.serve(configuration) { sandbox in
                printNow("""
                    StudioSandbox is listening (Ctrl-C stops it)
                      base URL  \(sandbox.baseURL)
                      cookie    \(sandbox.cookie)
                      database  \(sandbox.database.path)\(temporary ? " (temporary)" : "")
                      seed      \(seed) · faults \(faults) · quirks \(quirks)
                    Try:
                      curl -H 'Cookie: \(sandbox.cookie)' \(sandbox.baseURL)/conversations/
                      pxscript sandbox message CONVERSATION_ID "Hello!" --port \(sandbox.port)
                    """)
            }
        }
    }
}
