import Foundation
import Testing

/// docs/getting-started.md, step by step, against the sandbox standing in for
/// the photographer's studio: every `pxscript` line of its `sh` blocks runs,
/// in order, and succeeds (`scripts/demo` is CI's own first step).
@Suite("docs/getting-started.md works step by step")
struct GettingStartedTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The commands of the page's `sh` blocks that start with `pxscript`.
    static func commands() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/getting-started.md"), encoding: .utf8)
        var commands: [String] = [], inShell = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```sh" { inShell = true } else if line.hasPrefix("```") { inShell = false } else if inShell, line.hasPrefix("pxscript ") {
                commands.append(String(line))
            }
        }
        return commands
    }

    @Test("login, doctor, check and a dry run, as the page gives them")
    func steps() async throws {
        let commands = try Self.commands()
        #expect(commands.map { $0.split(separator: " ")[1] } == ["run", "login", "doctor", "check", "run"])
        // The studio: a realistic sandbox with its clock on this machine's time (doctor would warn of a skew).
        let serve = try await ServeProcess(arguments: ["--profile", "realistic"], environment: [:])
        let folder = try RunFolder([:])
        defer { folder.remove() }
        var env = folder.environment(serve)
        env["PIXIESET_COOKIE"] = nil
        env["PXSCRIPT_NOW"] = nil
        env["PATH"] = pxscriptBinary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for command in commands {
            // `login` reads the cookie from its standard input when it has no terminal.
            let line = command == "pxscript login" ? "printf '%s\\n' '\(serve.cookie)' | \(command)" : command
            let outcome = try await shell("cd '\(Self.root.path)' && \(line)", environment: env)
            #expect(outcome.status == 0, "\(command): \(outcome.stdout)\(outcome.stderr)")
            if command == "pxscript doctor" {
                #expect(!outcome.stdout.contains("warning") && !outcome.stdout.contains("problem"), "\(outcome.stdout)")
            }
            if command.hasSuffix("--dry-run") && !command.contains("--sandbox") {
                #expect(outcome.stdout.contains("followup.lua:"), "the plan names the script line: \(outcome.stdout)")
            }
            #expect(!outcome.stdout.contains("eyJpdiI6") && !outcome.stderr.contains("eyJpdiI6"), "a token was printed by \(command)")
        }
        _ = await serve.stop()
    }
}
