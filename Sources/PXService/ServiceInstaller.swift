import Foundation
import PixiesetKit
import PXConfig
import PXRuntime

/// Which service, and where: what every `pxscript service` subcommand shares.
public struct ServiceTarget: Sendable {
    public var manager: ServiceDefinition.Manager
    /// A system service (Linux), not the user's own.
    public var system: Bool
    /// `NAME` of `pxscript-NAME`; nil for `pxscript`.
    public var name: String?
    /// Written under this folder instead of `/` (tests, packaging); nothing is enabled.
    public var root: String?

    public init(manager: ServiceDefinition.Manager = .here, system: Bool = false, name: String? = nil, root: String? = nil) {
        self.manager = manager
        self.system = system
        self.name = name
        self.root = root
    }

    /// A unit's name is ASCII (systemd refuses others) and short: nil when `name` is fine, else why not.
    public static func problem(withName name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
        return name.isEmpty || name.count > 64 || !allowed ? "--name is 1 to 64 ASCII letters, digits, - and _" : nil
    }

    public var unitName: String { name.map { "pxscript-" + $0 } ?? "pxscript" }
    var rootFolder: String { root.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "" }
    /// The systemctl/journalctl scope flag.
    var scopeFlag: [String] { system ? [] : ["--user"] }

    /// The command that shows whether it runs.
    public var statusCommand: [String] {
        switch manager {
        case .systemd: ["systemctl"] + scopeFlag + ["status", unitName + ".service", "--no-pager"]
        case .launchd: ["launchctl", "print", "gui/\(getuid())/com.pxscript.\(name ?? "pxscript")"]
        }
    }

    /// The command that shows its log (`lines` of it, `follow`ing new ones).
    public func logsCommand(lines: Int, follow: Bool, home: String) -> [String] {
        switch manager {
        case .systemd:
            ["journalctl"] + scopeFlag + ["-u", unitName + ".service", "-n", String(lines), "--no-pager"] + (follow ? ["-f"] : [])
        case .launchd:
            ["tail", "-n", String(lines)] + (follow ? ["-f"] : []) + [home + "/Library/Logs/pxscript/\(unitName).log"]
        }
    }

    /// The files `install` writes for it (in `home`), to remove.
    public func unitPaths(home: String) -> [String] {
        switch manager {
        case .systemd:
            let folder = system ? rootFolder + "/etc/systemd/system" : rootFolder + home + "/.config/systemd/user"
            return [folder + "/\(unitName).service", folder + "/\(unitName)-failed@.service"]
        case .launchd:
            return [rootFolder + home + "/Library/LaunchAgents/com.pxscript.\(unitName).plist"]
        }
    }

    /// What stops it before its files go (none under `root`).
    public func stopCommands(home: String) -> [[String]] {
        guard root == nil else { return [] }
        switch manager {
        case .systemd: return [["systemctl"] + scopeFlag + ["disable", "--now", unitName + ".service"]]
        case .launchd: return [["launchctl", "bootout", "gui/\(getuid())", unitPaths(home: home)[0]]]
        }
    }

    /// What makes the manager forget the removed files (none under `root`).
    public var reloadCommands: [[String]] { manager == .systemd && root == nil ? [["systemctl"] + scopeFlag + ["daemon-reload"]] : [] }
}

/// Why a service cannot be installed as asked: a usage mistake (exit 64) or the machine's refusal.
public enum ServiceProblem: Error, CustomStringConvertible, Equatable {
    case usage(String)
    case refused(String)

    public var description: String {
        switch self {
        case .usage(let text), .refused(let text): text
        }
    }
}

/// `pxscript service install`: the definition of one watch daemon, its unit files, and how to start it.
public enum ServiceInstaller {
    /// The words of a command line that cannot go into a unit: nil when all can, else why.
    /// A line break would end the unit's line and start another directive; systemd reads a line ending in a
    /// backslash as going on on the next (a folder `w\` would swallow `ExecStart=`) and trims the spaces around
    /// a value: such paths are refused, not mangled.
    public static func problem(scripts: [String], watchOptions: [String], binary: String?) -> String? {
        let words = scripts + watchOptions + [binary ?? ""]
        if words.contains(where: { $0.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) } }) {
            return "a script path or option holds a control character (a line break?): not written into a unit"
        }
        if words.contains(where: { $0.contains("\\") || $0.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0xFFFF } })
            || scripts.contains(where: { ($0 as NSString).deletingLastPathComponent.split(separator: "/").contains { $0.first == " " || $0.last == " " } })
        {
            return "a script path or option holds a backslash, U+FFFE/U+FFFF, or a folder name starting or ending with a space: rename it first"
        }
        if watchOptions.contains(where: { $0 == "--exit-on-expiry" || $0 == "--once" || $0 == "--dry-run" || $0 == "--sandbox" }) {
            return "a service keeps running: --exit-on-expiry, --once, --dry-run and --sandbox do not go in it"
        }
        return nil
    }

    /// The daemon to install: the scripts resolved (each must register a handler or a schedule), run by
    /// `binary` (default: this one) as `runAs` (a system service) or this user.
    public static func definition(
        scripts: [String], watchOptions: [String], runAs: String?, binary: String?, target: ServiceTarget
    ) throws -> ServiceDefinition {
        let paths = try WatchScripts.resolve(scripts).map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        // A run-style script would run its top level at every start and then sit idle (its sends refused
        // under watch): refused here, with how to schedule it.
        for path in paths where try !ScriptCheck.registersHandlers(scriptPath: path) {
            throw ServiceProblem.usage(
                "\(path) has no handler (px.on) and no schedule (px.every, px.cron, px.at): a service would start it and do nothing. "
                    + "To run it every day, wrap its work in a schedule, e.g. px.cron(\"0 9 * * *\", function() … end, { name = \"daily\" }) "
                    + "(docs/cookbook.md \"Every morning\"), or run it from cron with `pxscript run`")
        }
        let home: String
        if let runAs {
            guard let entry = getpwnam(runAs), let folder = entry.pointee.pw_dir else { throw ServiceProblem.usage("no user \(runAs) on this machine") }
            home = String(cString: folder)
        } else {
            home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        }
        let config = (try? ConfigFile.load(path: home + "/.config/pxscript/config.toml", checkingMode: false)) ?? ConfigFile()
        return ServiceDefinition(
            name: target.unitName, binary: URL(fileURLWithPath: binary ?? currentExecutable()).standardizedFileURL.path, scripts: paths,
            watchOptions: watchOptions, runAs: runAs, home: home, notifies: !config.notify.targets.isEmpty,
            hostName: ProcessInfo.processInfo.hostName)
    }

    /// A LaunchAgent cannot read `~/Documents`, `~/Desktop`, `~/Downloads` or iCloud Drive without Full Disk Access.
    public static func fullDiskAccessWarnings(_ definition: ServiceDefinition, target: ServiceTarget) -> [String] {
        guard target.manager == .launchd else { return [] }
        let folders = definition.scripts.map { ($0 as NSString).deletingLastPathComponent } + definition.allowedFolders
        return ServiceDefinition.protected(Array(Set(folders)).sorted(), home: definition.home).map { found in
            "warning: \(found.folder) is under \(found.under), which a LaunchAgent cannot read without Full Disk Access: "
                + "move it (for example to ~/pxscript), or grant pxscript Full Disk Access in System Settings › Privacy & Security"
        }
    }

    /// The unit files: their paths (under the target's root) and texts.
    public static func files(_ definition: ServiceDefinition, target: ServiceTarget) -> [(path: String, text: String)] {
        switch target.manager {
        case .systemd:
            let unit = SystemdUnit(definition: definition)
            var files = [(unit.folder(root: target.rootFolder) + "/" + unit.fileName, unit.text)]
            if definition.notifies { files.append((unit.folder(root: target.rootFolder) + "/" + unit.failureFileName, unit.failureText)) }
            return files
        case .launchd:
            let plist = LaunchdPlist(definition: definition)
            return [(plist.folder(root: target.rootFolder) + "/" + plist.fileName, plist.text)]
        }
    }

    /// Writes `file` (0644: a unit is read by the service manager), its folders made.
    public static func write(_ file: (path: String, text: String), target: ServiceTarget) throws {
        try FileManager.default.createDirectory(atPath: (file.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(file.text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw ServiceProblem.refused("cannot write \(file.path) (permissions?\(target.system ? " --system needs root" : ""))")
        }
    }

    /// What loads and starts the written service (none under a root folder).
    public static func startCommands(_ definition: ServiceDefinition, target: ServiceTarget, files: [(path: String, text: String)]) -> [[String]] {
        guard target.root == nil else { return [] }
        switch target.manager {
        case .systemd:
            return [["systemctl"] + target.scopeFlag + ["daemon-reload"], ["systemctl"] + target.scopeFlag + ["enable", "--now", definition.name + ".service"]]
        case .launchd:
            try? FileManager.default.createDirectory(atPath: definition.home + "/Library/Logs/pxscript", withIntermediateDirectories: true)
            return [["launchctl", "bootstrap", "gui/\(getuid())", files[0].path]]
        }
    }

    static func currentExecutable() -> String {
        if let linked = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return linked }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}

/// Runs a service manager's command, its output to ours; its exit status (127 when it is not there).
public enum ServiceRunner {
    public static func run(_ command: [String]) async -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        return (try? await process.runUntilExit()) ?? 127
    }
}
