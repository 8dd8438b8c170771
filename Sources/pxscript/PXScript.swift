import Foundation
import ArgumentParser
import PixiesetKit

/// `pxscript`: automate conversations with clients in Pixieset Studio.
@main
struct PXScript: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pxscript",
        abstract: "Automate conversations with your clients in Pixieset Studio, with Lua scripts.",
        discussion: """
            First steps: `pxscript run examples/followup.lua --sandbox` tries a script against a built-in \
            pretend studio; `pxscript login` stores your own studio's session; `pxscript doctor` checks it all.
            \(LoginHint.text)
            """,
        version: "\(PxscriptVersion.current) (\(BuildCommit.value))",
        subcommands: [RunCommand.self, WatchCommand.self, CheckCommand.self, StatusCommand.self, PauseCommand.self, ResumeCommand.self, APICommand.self, LoginCommand.self, DoctorCommand.self, SandboxCommand.self, TestCommand.self, ApprovalsCommand.self, ApproveCommand.self, RejectCommand.self, RetryCommand.self, NotifyCommand.self, DashboardCommand.self, ServiceCommand.self]
    )

    /// Every file pxscript makes is its user's alone unless it says otherwise (a unit's 0644):
    /// states, logs, copies, whatever the umask it was started with.
    static func main() async {
        umask(0o077)
        // A pipe whose reader went away (a notification command that exits without reading) is an
        // error of that write, never the end of pxscript.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
