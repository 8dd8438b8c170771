import Foundation
import PixiesetModels

/// The macOS LaunchAgent of a daemon, as a property list: started at login,
/// kept alive when it exits with an error (at most once a minute), its
/// output in `~/Library/Logs/pxscript/`.
struct LaunchdPlist {
    let definition: ServiceDefinition

    var label: String { "com.pxscript." + definition.name }
    var fileName: String { label + ".plist" }
    func folder(root: String) -> String { root + definition.home + "/Library/LaunchAgents" }
    var logPath: String { definition.home + "/Library/Logs/pxscript/\(definition.name).log" }

    /// The property list, written here (Foundation's serialisation under `try?` wrote an
    /// empty file on Linux and said nothing). Every string is XML-escaped; control characters were
    /// refused before (`ServiceInstall.validate`), and any left are dropped (XML 1.0 cannot hold them).
    var text: String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">"#,
            #"<plist version="1.0">"#,
            "<dict>",
        ]
        func key(_ name: String) { lines.append("\t<key>\(name)</key>") }
        func string(_ name: String, _ value: String) {
            key(name)
            lines.append("\t<string>\(Self.escaped(value))</string>")
        }
        string("Label", label)
        key("ProgramArguments")
        lines.append("\t<array>")
        lines += definition.arguments.map { "\t\t<string>\(Self.escaped($0))</string>" }
        lines.append("\t</array>")
        string("WorkingDirectory", definition.workingDirectory)
        key("RunAtLoad")
        lines.append("\t<true/>")
        // Restarted after an error exit or a crash, not after a clean stop. Exits a restart cannot fix
        // (64, 65, 66) are retried at most once a minute; an expired session does not end the daemon.
        key("KeepAlive")
        lines += ["\t<dict>", "\t\t<key>Crashed</key>", "\t\t<true/>", "\t\t<key>SuccessfulExit</key>", "\t\t<false/>", "\t</dict>"]
        key("ThrottleInterval")
        lines.append("\t<integer>60</integer>")
        key("ExitTimeOut")
        lines.append("\t<integer>45</integer>")
        string("ProcessType", "Background")
        string("StandardOutPath", logPath)
        string("StandardErrorPath", logPath)
        key("EnvironmentVariables")
        lines += ["\t<dict>", "\t\t<key>HOME</key>", "\t\t<string>\(Self.escaped(definition.home))</string>", "\t</dict>"]
        lines += ["</dict>", "</plist>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text for an XML element (characters XML 1.0 cannot hold are dropped).
    static func escaped(_ text: String) -> String { XMLText.escaped(text) }
}
