import Foundation

/// The macOS LaunchAgent of a daemon, as a property list: started at login,
/// kept alive when it exits with an error (at most once a minute), its
/// output in `~/Library/Logs/pxscript/`.
struct LaunchdPlist {
    let definition: ServiceDefinition

    var label: String { "com.pxscript." + definition.name }
    var fileName: String { label + ".plist" }
    func folder(root: String) -> String { root + definition.home + "/Library/LaunchAgents" }
    var logPath: String { definition.home + "/Library/Logs/pxscript/\(definition.name).log" }

    var text: String {
        let object: [String: Any] = [
            "Label": label,
            "ProgramArguments": definition.arguments,
            "WorkingDirectory": definition.workingDirectory,
            "RunAtLoad": true,
            // Restarted after an error exit or a crash, not after a clean stop. Exits a restart cannot fix
            // (64, 65, 66) are retried at most once a minute; an expired session does not end the daemon.
            "KeepAlive": ["SuccessfulExit": false, "Crashed": true],
            "ThrottleInterval": 60,
            "ExitTimeOut": 45,
            "ProcessType": "Background",
            "StandardOutPath": logPath,
            "StandardErrorPath": logPath,
            "EnvironmentVariables": ["HOME": definition.home],
        ]
        let data = (try? PropertyListSerialization.data(fromPropertyList: object, format: .xml, options: 0)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
