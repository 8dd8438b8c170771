import ArgumentParser
import Foundation
import PXService

/// `pxscript service logs [-n LINES] [-f]`.
struct ServiceLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show the service's log.")
    @OptionGroup var service: ServiceOptions
    @Option(name: .shortAndLong, help: "Lines to show.") var lines = 100
    @Flag(name: .shortAndLong, help: "Keep showing new lines.") var follow = false

    func run() async throws {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        throw ExitCode(await ServiceRunner.run(service.target.logsCommand(lines: lines, follow: follow, home: home)))
    }
}
