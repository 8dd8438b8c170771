import ArgumentParser
import Foundation
import LuaKit
import PXRuntime
import PixiesetModels

/// `pxscript check SCRIPT`: compile and lint, no network.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile a script and the modules it requires, and warn about likely mistakes. No network.",
        discussion: """
            Errors are printed as file:line: message (exit 65): a script that does not compile, and an \
            option a px function does not take (awaiting{ olderthan = "3d" }, with the one meant). \
            Warnings name px functions that do not exist (px.sned, with the nearest one) and globals \
            that are used but never set (a typo like conversaton).
            """
    )

    @Argument(help: "The Lua script.") var script: String
    @Option(name: .customLong("allow-read"), help: "A folder modules may come from besides the script's own (repeatable).")
    var allowRead: [String] = []

    func run() async throws {
        try await withExitCodes {
            let folder = (script as NSString).deletingLastPathComponent
            let policy = try FilePolicy(scriptFolder: folder.isEmpty ? "." : folder, granted: allowRead)
            let findings = try ScriptCheck.run(scriptPath: script, policy: policy)
            // A finding quotes the script (a string compared with sender_type, a module's name): escaped.
            for finding in findings { printNow(TerminalText.escaped(finding)) }
            let errors = findings.filter(ScriptCheck.isError).count, warnings = findings.count - errors
            let counted = (warnings == 0 ? "" : " (\(warnings) warning\(warnings == 1 ? "" : "s"))")
            // An option the function refuses fails the script every time it gets there: an error (65), like a syntax error.
            guard errors == 0 else { throw Failure("\(script): \(errors) error\(errors == 1 ? "" : "s")" + counted, code: Exit.compile) }
            printError("\(script): ok" + counted)
        }
    }
}
