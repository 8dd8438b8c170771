import Foundation
import PixiesetKit
import StudioSandbox

/// The sandbox `--sandbox` starts inside the process (docs/spec.md §5): demo data on
/// loopback, the clock of `PXSCRIPT_NOW`, the profile of
/// `PXSCRIPT_SANDBOX_PROFILE`; its URL and database printed on stderr.
enum InProcessSandbox {
    static func withRunning(_ body: (APIConfiguration) async throws -> Void) async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = SandboxConfiguration()
        configuration.clock = try FixedNow.clock(environment: environment)
        // Checked here, so that a misspelt profile is an error rather than the seed's behaviour.
        configuration.quirks = try Quirks.fromEnvironment(environment)
        try await StudioSandbox.withRunning(configuration) { running in
            let profile = configuration.quirks.isEmpty ? "" : " (quirks \(configuration.quirks))"
            printError("sandbox: \(running.baseURL)\(profile) (database \(running.database.path), removed on exit)")
            try await body(APIConfiguration(baseURL: try BaseURL(parsing: running.baseURL), cookie: running.cookie))
        }
    }
}
