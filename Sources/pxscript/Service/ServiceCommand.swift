import ArgumentParser
import Foundation
import PXService

/// `pxscript service install|status|logs|uninstall`: one watch
/// daemon as a service of the machine, a systemd unit on Linux, a
/// LaunchAgent on macOS. The work is `PXService`'s; these parse and print.
struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Keep pxscript watch running as a service (systemd on Linux, launchd on macOS).",
        subcommands: [ServiceInstall.self, ServiceStatus.self, ServiceLogs.self, ServiceUninstall.self])
}

/// What every service subcommand shares: which service, and where.
struct ServiceOptions: ParsableArguments {
    @Flag(help: "The user's own service (the default).") var user = false
    @Flag(help: "A system service (Linux; with --run-as USER).") var system = false
    @Option(help: "The service's name: pxscript (default) or pxscript-NAME, one per account.") var name: String?
    @Option(help: "systemd or launchd (default: this machine's); for --print on another system.") var manager: String?
    @Option(help: "Write under this folder instead of / (tests, packaging); nothing is enabled.") var root: String?

    func validate() throws {
        if user && system { throw ValidationError("--user or --system, not both") }
        if let manager, ServiceDefinition.Manager(rawValue: manager) == nil { throw ValidationError("--manager is systemd or launchd") }
        if let name, let problem = ServiceTarget.problem(withName: name) { throw ValidationError(problem) }
    }

    var target: ServiceTarget {
        ServiceTarget(manager: manager.flatMap(ServiceDefinition.Manager.init) ?? .here, system: system, name: name, root: root)
    }
}

extension ServiceProblem {
    /// As the CLI reports it: a usage mistake is 64.
    var failure: Failure {
        switch self {
        case .usage(let text): Failure(text, code: Exit.usage)
        case .refused(let text): Failure(text)
        }
    }
}
