import ArgumentParser
import Foundation
import PXService

/// `pxscript service uninstall`.
struct ServiceUninstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uninstall", abstract: "Stop the service and remove its unit.")
    @OptionGroup var service: ServiceOptions

    func run() async throws {
        try await withExitCodes {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
            let target = service.target
            for step in target.stopCommands(home: home) { _ = await ServiceRunner.run(step) }
            var removed = 0
            for path in target.unitPaths(home: home) where FileManager.default.fileExists(atPath: path) {
                try FileManager.default.removeItem(atPath: path)
                printNow("removed \(path)")
                removed += 1
            }
            if removed == 0 { printNow("no \(target.unitName) service here") }
            for step in target.reloadCommands { _ = await ServiceRunner.run(step) }
        }
    }
}
