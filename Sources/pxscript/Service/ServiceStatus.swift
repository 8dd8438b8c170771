import ArgumentParser
import PXService

/// `pxscript service status`.
struct ServiceStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show whether the service runs.")
    @OptionGroup var service: ServiceOptions

    func run() async throws {
        throw ExitCode(await ServiceRunner.run(service.target.statusCommand))
    }
}
