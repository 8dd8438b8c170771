import Foundation

/// The systemd unit of a daemon (and the unit a failure runs), as text.
///
/// Without `--exit-on-expiry`: an expired session does not end the daemon;
/// it notifies and waits for a new cookie. The exits that a restart cannot
/// fix (usage, a script that does not compile, a missing file, the session,
/// the CSRF token) are not restarted; `TimeoutStopSec` leaves the 30-second
/// drain room to finish.
struct SystemdUnit {
    let definition: ServiceDefinition

    var fileName: String { definition.name + ".service" }
    var failureFileName: String { definition.name + "-failed@.service" }

    /// Where the unit goes: the user's units, or the system's.
    func folder(root: String) -> String {
        definition.runAs == nil ? root + definition.home + "/.config/systemd/user" : root + "/etc/systemd/system"
    }

    var text: String {
        var unit = [
            "# Written by `pxscript service install`; `pxscript service uninstall` removes it.",
            "[Unit]",
            "Description=pxscript watch \(Self.specifiersEscaped(definition.scripts.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")))",
            "After=network-online.target",
            "Wants=network-online.target",
        ]
        if definition.notifies { unit.append("OnFailure=\(definition.name)-failed@%n.service") }
        unit += [
            "",
            "[Service]",
            "Type=simple",
        ]
        if let user = definition.runAs {
            unit += ["User=\(user)", "Environment=" + Self.quoted("HOME=" + definition.home, dollars: false)]
        }
        unit += [
            // Taken as it stands (no quotes, no C escapes), specifiers expanded: only `%` is doubled.
            "WorkingDirectory=\(Self.specifiersEscaped(definition.workingDirectory))",
            "ExecStart=" + definition.arguments.map { Self.quoted($0) }.joined(separator: " "),
            "Restart=on-failure",
            "RestartSec=30",
            "# 64 usage, 65 a script that does not compile, 66 a missing file, 77 the session, 78 the CSRF token:",
            "# a restart cannot fix them.",
            "RestartPreventExitStatus=64 65 66 77 78",
            "KillSignal=SIGTERM",
            "TimeoutStopSec=45",
            "",
            "[Install]",
            "WantedBy=\(definition.runAs == nil ? "default.target" : "multi-user.target")",
        ]
        return unit.joined(separator: "\n") + "\n"
    }

    /// The unit `OnFailure=` starts: `pxscript notify` with which unit stopped.
    var failureText: String {
        var unit = [
            "# Written by `pxscript service install`: tells you (config.toml's [notify]) when the daemon stops.",
            "[Unit]",
            "Description=pxscript: notify that %i stopped",
            "",
            "[Service]",
            "Type=oneshot",
        ]
        if let user = definition.runAs { unit += ["User=\(user)", "Environment=" + Self.quoted("HOME=" + definition.home, dollars: false)] }
        // `%i` is ours (the unit that stopped); the host's name is data, its `%` doubled like every other.
        let text = "pxscript (%i) stopped on \(Self.specifiersEscaped(definition.hostName)); see: pxscript service logs"
        unit.append("ExecStart=" + [Self.quoted(definition.binary), "notify", Self.quoted(text, specifiers: false)].joined(separator: " "))
        return unit.joined(separator: "\n") + "\n"
    }

    /// A word of a systemd command line or value (every field escaped by what systemd
    /// reads): backslashes and quotes escaped, quoted when it holds spaces or quotes; every `%`
    /// doubled (systemd expands specifiers in paths, values and command lines: a folder `w%n%h`
    /// would become the unit's name and the home folder), unless `specifiers` is false for a text
    /// whose own `%` were doubled already and whose `%i` is meant; `$` doubled on command lines
    /// (`dollars`), where systemd expands variables.
    static func quoted(_ word: String, specifiers: Bool = true, dollars: Bool = true) -> String {
        var escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        if dollars { escaped = escaped.replacingOccurrences(of: "$", with: "$$") }
        if specifiers { escaped = specifiersEscaped(escaped) }
        return escaped.contains(where: { $0 == " " || $0 == "\t" || $0 == "'" || $0 == "\"" || $0 == ";" }) || escaped.isEmpty ? "\"\(escaped)\"" : escaped
    }

    /// `%` doubled: the text stands for itself, not for systemd's specifiers.
    static func specifiersEscaped(_ text: String) -> String { text.replacingOccurrences(of: "%", with: "%%") }
}
