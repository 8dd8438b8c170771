import ArgumentParser
import Foundation
import PXService

/// `pxscript service install SCRIPT… [-- WATCH OPTIONS]`.
struct ServiceInstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Write and enable one service running `pxscript watch` on these scripts.",
        discussion: "Watch options go after --: pxscript service install autoreply.lua vacation.lua -- --interval 1m --tz America/Toronto")

    /// The scripts, then (after `--`) the watch options: ArgumentParser gives both as one list of positionals.
    @Argument(help: "The scripts (or a folder) the daemon watches, then -- and options for watch.") var words: [String]
    @OptionGroup var service: ServiceOptions
    @Option(name: .customLong("run-as"), help: "With --system: the user it runs as (their config file and cookie).") var runAs: String?
    @Option(help: "The pxscript binary the service runs (default: this one).") var binary: String?
    @Flag(name: .customLong("print"), help: "Print the unit instead of installing it.") var printOnly = false

    /// The words after `--` on the command line: options for watch.
    var watchOptions: [String] {
        let line = CommandLine.arguments
        guard let terminator = line.firstIndex(of: "--") else { return [] }
        return Array(line[(terminator + 1)...].suffix(words.count))
    }

    var scripts: [String] { Array(words.dropLast(watchOptions.count)) }

    func validate() throws {
        if scripts.isEmpty { throw ValidationError("name the scripts (or a folder) the service watches") }
        if service.system && runAs == nil { throw ValidationError("--system runs as a user: add --run-as USER") }
        if runAs != nil && !service.system { throw ValidationError("--run-as goes with --system") }
        if service.system && service.target.manager == .launchd { throw ValidationError("on macOS the service is a LaunchAgent of your own user: leave out --system") }
        if let problem = ServiceInstaller.problem(scripts: scripts, watchOptions: watchOptions, binary: binary) { throw ValidationError(problem) }
    }

    func run() async throws {
        try await withExitCodes {
            let target = service.target
            let definition: ServiceDefinition
            do {
                definition = try ServiceInstaller.definition(scripts: scripts, watchOptions: watchOptions, runAs: runAs, binary: binary, target: target)
            } catch let problem as ServiceProblem {
                throw problem.failure
            }
            let files = ServiceInstaller.files(definition, target: target)
            for warning in ServiceInstaller.fullDiskAccessWarnings(definition, target: target) { printError(warning) }
            if printOnly {
                for file in files { printNow((files.count > 1 ? "# \(file.path)\n" : "") + file.text) }
                return
            }
            for file in files {
                do { try ServiceInstaller.write(file, target: target) } catch let problem as ServiceProblem { throw problem.failure }
                printNow("wrote \(file.path)")
            }
            let steps = ServiceInstaller.startCommands(definition, target: target, files: files)
            guard !steps.isEmpty else { return }
            // Loads and starts it; when the manager cannot be reached, says what to run.
            for step in steps where await ServiceRunner.run(step) != 0 {
                throw Failure("`\(step.joined(separator: " "))` did not work; run it yourself once the service manager is up")
            }
            printNow("started \(definition.name): `pxscript service status\(service.name.map { " --name \($0)" } ?? "")` shows it, `pxscript service logs` its log")
        }
    }
}
