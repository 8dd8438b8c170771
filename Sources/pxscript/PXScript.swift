import ArgumentParser

/// `pxscript`: automate conversations with clients in Pixieset Studio.
@main
struct PXScript: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pxscript",
        abstract: "Automate conversations with your clients in Pixieset Studio, with Lua scripts.",
        version: "0.1.0",
        subcommands: [RunCommand.self, WatchCommand.self, CheckCommand.self, StatusCommand.self, PauseCommand.self, ResumeCommand.self, APICommand.self, SandboxCommand.self]
    )
}
