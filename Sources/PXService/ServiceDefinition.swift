import Foundation

/// One `pxscript watch` daemon as a service of the machine: what
/// runs, as whom, and where its unit goes. The unit texts are
/// `SystemdUnit` and `LaunchdPlist`; this is what they share.
public struct ServiceDefinition: Sendable {
    public enum Manager: String, CaseIterable, Sendable {
        case systemd, launchd

        /// The one this machine has.
        public static var here: Manager {
            #if os(macOS)
            .launchd
            #else
            .systemd
            #endif
        }
    }

    /// `pxscript` (default) or `pxscript-NAME`: the unit's name, one per account.
    public var name: String
    /// The absolute path of the pxscript binary.
    public var binary: String
    /// The scripts' absolute paths.
    public var scripts: [String]
    /// Options for `watch` given after `--`.
    public var watchOptions: [String]
    /// A system service running as this user (nil: the user's own service).
    public var runAs: String?
    /// The user's home folder (their config file is there).
    public var home: String
    /// Whether `[notify]` targets exist: then a failure runs `pxscript notify`.
    public var notifies: Bool
    public var hostName: String

    /// What the daemon runs: `pxscript watch SCRIPT… OPTIONS`.
    public var arguments: [String] { [binary, "watch"] + scripts + watchOptions }

    /// The folder it runs in: the first script's.
    var workingDirectory: String { (scripts[0] as NSString).deletingLastPathComponent }

    /// Folders a macOS LaunchAgent cannot read without Full Disk Access, under `home`.
    static let protectedFolders = ["Documents", "Desktop", "Downloads", "Library/Mobile Documents"]

    /// The folders among the scripts' and `--allow-read`'s that lie under a protected folder,
    /// each with the protected folder it is under.
    public static func protected(_ folders: [String], home: String) -> [(folder: String, under: String)] {
        let base = URL(fileURLWithPath: home).standardizedFileURL.path
        return folders.compactMap { folder in
            let path = URL(fileURLWithPath: folder).standardizedFileURL.path
            for name in protectedFolders {
                let guarded = base + "/" + name
                if path == guarded || path.hasPrefix(guarded + "/") { return (folder, "~/" + name) }
            }
            return nil
        }
    }

    /// The `--allow-read` folders among the watch options (`--allow-read DIR` or `--allow-read=DIR`).
    public var allowedFolders: [String] {
        var folders: [String] = []
        var index = 0
        while index < watchOptions.count {
            let word = watchOptions[index]
            if word == "--allow-read", index + 1 < watchOptions.count {
                folders.append(watchOptions[index + 1])
                index += 2
                continue
            }
            if word.hasPrefix("--allow-read=") { folders.append(String(word.dropFirst("--allow-read=".count))) }
            index += 1
        }
        return folders
    }
}
