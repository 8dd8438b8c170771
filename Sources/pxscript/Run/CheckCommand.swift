import ArgumentParser
import Foundation
import LuaKit
import PXRuntime

/// `pxscript check SCRIPT`: compile and lint, no network.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile a script and the modules it requires, and warn about likely mistakes. No network.",
        discussion: """
            Errors are printed as file:line: message (exit 65). Warnings name px functions that \
            do not exist (px.sned) and globals that are used but never set (a typo like conversaton).
            """
    )

    @Argument(help: "The Lua script.") var script: String
    @Option(name: .customLong("allow-read"), help: "A folder modules may come from besides the script's own (repeatable).")
    var allowRead: [String] = []

    func run() async throws {
        try await withExitCodes {
            let folder = (script as NSString).deletingLastPathComponent
            let policy = try FilePolicy(scriptFolder: folder.isEmpty ? "." : folder, granted: allowRead)
            let warnings = try ScriptCheck.run(scriptPath: script, policy: policy)
            for warning in warnings { printNow(warning) }
            printError("\(script): ok" + (warnings.isEmpty ? "" : " (\(warnings.count) warning\(warnings.count == 1 ? "" : "s"))"))
        }
    }
}
