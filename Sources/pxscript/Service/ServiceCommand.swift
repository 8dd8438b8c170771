import ArgumentParser
import Foundation
import PixiesetKit
import PXRuntime

/// `pxscript service install|status|logs|uninstall`: one watch
/// daemon as a service of the machine, a systemd unit on Linux, a
/// LaunchAgent on macOS.
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
        // A unit's name is ASCII (systemd refuses others) and short.
        if let name, name.isEmpty || name.count > 64 || name.unicodeScalars.contains(where: { !($0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")) }) {
            throw ValidationError("--name is 1 to 64 ASCII letters, digits, - and _")
        }
    }

    var kind: ServiceDefinition.Manager { manager.flatMap(ServiceDefinition.Manager.init) ?? .here }
    var unitName: String { name.map { "pxscript-" + $0 } ?? "pxscript" }
    var rootFolder: String { root.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "" }

    /// The systemctl/journalctl scope flag.
    var scopeFlag: [String] { system ? [] : ["--user"] }
}

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
        if service.system && service.kind == .launchd { throw ValidationError("on macOS the service is a LaunchAgent of your own user: leave out --system") }
        // A line break in a path or an option would end the unit's line and start another directive.
        if (words + [binary ?? ""]).contains(where: { $0.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) } }) {
            throw ValidationError("a script path or option holds a control character (a line break?): not written into a unit")
        }
        // systemd reads a line ending in a backslash as going on on the next (a folder `w\` would swallow
        // ExecStart=), and trims the spaces around a value: such paths are refused, not mangled.
        if (words + [binary ?? ""]).contains(where: { $0.contains("\\") || $0.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0xFFFF } })
            || scripts.contains(where: { ($0 as NSString).deletingLastPathComponent.split(separator: "/").contains { $0.first == " " || $0.last == " " } })
        {
            throw ValidationError("a script path or option holds a backslash, U+FFFE/U+FFFF, or a folder name starting or ending with a space: rename it first")
        }
        if watchOptions.contains(where: { $0 == "--exit-on-expiry" || $0 == "--once" || $0 == "--dry-run" || $0 == "--sandbox" }) {
            throw ValidationError("a service keeps running: --exit-on-expiry, --once, --dry-run and --sandbox do not go in it")
        }
    }

    func run() async throws {
        try await withExitCodes {
            let definition = try makeDefinition()
            let warnings = fullDiskAccessWarnings(definition)
            let files = Self.files(definition, manager: service.kind, root: service.rootFolder)
            if printOnly {
                for warning in warnings { printError(warning) }
                for file in files { printNow((files.count > 1 ? "# \(file.path)\n" : "") + file.text) }
                return
            }
            for warning in warnings { printError(warning) }
            for file in files {
                let folder = (file.path as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: file.path, contents: Data(file.text.utf8), attributes: [.posixPermissions: 0o644]) else {
                    throw Failure("cannot write \(file.path) (permissions?\(service.system ? " --system needs root" : ""))")
                }
                printNow("wrote \(file.path)")
            }
            guard service.root == nil else { return }
            try await Self.enable(definition, manager: service.kind, options: service, files: files)
        }
    }

    func makeDefinition() throws -> ServiceDefinition {
        let paths = try WatchScripts.resolve(scripts).map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        // A run-style script would run its top level at every start and then sit idle (its sends refused
        // under watch): refused here, with how to schedule it.
        for path in paths where try !ScriptCheck.registersHandlers(scriptPath: path) {
            throw Failure(
                "\(path) has no handler (px.on) and no schedule (px.every, px.cron, px.at): a service would start it and do nothing. "
                    + "To run it every day, wrap its work in a schedule, e.g. px.cron(\"0 9 * * *\", function() … end, { name = \"daily\" }) "
                    + "(docs/cookbook.md \"Every morning\"), or run it from cron with `pxscript run`",
                code: Exit.usage)
        }
        let home: String
        if let runAs {
            guard let entry = getpwnam(runAs), let folder = entry.pointee.pw_dir else { throw Failure("no user \(runAs) on this machine", code: Exit.usage) }
            home = String(cString: folder)
        } else {
            home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        }
        let config = (try? ConfigFile.load(path: home + "/.config/pxscript/config.toml", checkingMode: false)) ?? ConfigFile()
        let executable = binary ?? Self.currentExecutable()
        return ServiceDefinition(
            name: service.unitName, binary: URL(fileURLWithPath: executable).standardizedFileURL.path, scripts: paths,
            watchOptions: watchOptions, runAs: runAs, home: home, notifies: !config.notify.targets.isEmpty,
            hostName: ProcessInfo.processInfo.hostName)
    }

    /// A LaunchAgent cannot read `~/Documents`, `~/Desktop`, `~/Downloads` or iCloud Drive without Full Disk Access.
    func fullDiskAccessWarnings(_ definition: ServiceDefinition) -> [String] {
        guard service.kind == .launchd else { return [] }
        let folders = definition.scripts.map { ($0 as NSString).deletingLastPathComponent } + definition.allowedFolders
        return ServiceDefinition.protected(Array(Set(folders)).sorted(), home: definition.home).map { found in
            "warning: \(found.folder) is under \(found.under), which a LaunchAgent cannot read without Full Disk Access: "
                + "move it (for example to ~/pxscript), or grant pxscript Full Disk Access in System Settings › Privacy & Security"
        }
    }

    static func files(_ definition: ServiceDefinition, manager: ServiceDefinition.Manager, root: String) -> [(path: String, text: String)] {
        switch manager {
        case .systemd:
            let unit = SystemdUnit(definition: definition)
            var files = [(unit.folder(root: root) + "/" + unit.fileName, unit.text)]
            if definition.notifies { files.append((unit.folder(root: root) + "/" + unit.failureFileName, unit.failureText)) }
            return files
        case .launchd:
            let plist = LaunchdPlist(definition: definition)
            return [(plist.folder(root: root) + "/" + plist.fileName, plist.text)]
        }
    }

    static func currentExecutable() -> String {
        if let linked = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return linked }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// Loads and starts it; when the manager cannot be reached, says what to run.
    static func enable(_ definition: ServiceDefinition, manager: ServiceDefinition.Manager, options: ServiceOptions, files: [(path: String, text: String)]) async throws {
        let steps: [[String]]
        switch manager {
        case .systemd:
            steps = [["systemctl"] + options.scopeFlag + ["daemon-reload"], ["systemctl"] + options.scopeFlag + ["enable", "--now", definition.name + ".service"]]
        case .launchd:
            try? FileManager.default.createDirectory(atPath: definition.home + "/Library/Logs/pxscript", withIntermediateDirectories: true)
            steps = [["launchctl", "bootstrap", "gui/\(getuid())", files[0].path]]
        }
        for step in steps where await ServiceRunner.run(step) != 0 {
            throw Failure("`\(step.joined(separator: " "))` did not work; run it yourself once the service manager is up")
        }
        printNow("started \(definition.name): `pxscript service status\(options.name.map { " --name \($0)" } ?? "")` shows it, `pxscript service logs` its log")
    }
}

struct ServiceStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show whether the service runs.")
    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let command: [String]
        switch service.kind {
        case .systemd: command = ["systemctl"] + service.scopeFlag + ["status", service.unitName + ".service", "--no-pager"]
        case .launchd: command = ["launchctl", "print", "gui/\(getuid())/com.pxscript.\(service.name ?? "pxscript")"]
        }
        throw ExitCode(await ServiceRunner.run(command))
    }
}

struct ServiceLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show the service's log.")
    @OptionGroup var service: ServiceOptions
    @Option(name: .shortAndLong, help: "Lines to show.") var lines = 100
    @Flag(name: .shortAndLong, help: "Keep showing new lines.") var follow = false

    func run() async throws {
        let command: [String]
        switch service.kind {
        case .systemd:
            command = ["journalctl"] + service.scopeFlag + ["-u", service.unitName + ".service", "-n", String(lines), "--no-pager"] + (follow ? ["-f"] : [])
        case .launchd:
            let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
            command = ["tail", "-n", String(lines)] + (follow ? ["-f"] : []) + [home + "/Library/Logs/pxscript/\(service.unitName).log"]
        }
        throw ExitCode(await ServiceRunner.run(command))
    }
}

struct ServiceUninstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uninstall", abstract: "Stop the service and remove its unit.")
    @OptionGroup var service: ServiceOptions

    func run() async throws {
        try await withExitCodes {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
            let root = service.rootFolder
            let paths: [String]
            switch service.kind {
            case .systemd:
                let folder = service.system ? root + "/etc/systemd/system" : root + home + "/.config/systemd/user"
                paths = [folder + "/\(service.unitName).service", folder + "/\(service.unitName)-failed@.service"]
                if service.root == nil { _ = await ServiceRunner.run(["systemctl"] + service.scopeFlag + ["disable", "--now", service.unitName + ".service"]) }
            case .launchd:
                paths = [root + home + "/Library/LaunchAgents/com.pxscript.\(service.unitName).plist"]
                if service.root == nil { _ = await ServiceRunner.run(["launchctl", "bootout", "gui/\(getuid())", paths[0]]) }
            }
            var removed = 0
            for path in paths where FileManager.default.fileExists(atPath: path) {
                try FileManager.default.removeItem(atPath: path)
                printNow("removed \(path)")
                removed += 1
            }
            if removed == 0 { printNow("no \(service.unitName) service here") }
            if service.kind == .systemd, service.root == nil { _ = await ServiceRunner.run(["systemctl"] + service.scopeFlag + ["daemon-reload"]) }
        }
    }
}

/// Runs a service manager's command, its output to ours; its exit status (127 when it is not there).
enum ServiceRunner {
    static func run(_ command: [String]) async -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        return (try? await process.runUntilExit()) ?? 127
    }
}
