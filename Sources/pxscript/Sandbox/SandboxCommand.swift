import ArgumentParser

/// `pxscript sandbox …`: a local studio to try scripts against.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local Pixieset Studio (the sandbox) and simulate what clients and the studio do in it.",
        subcommands: [SandboxServe.self, SandboxMessage.self, SandboxInquiry.self, SandboxReply.self, SandboxRead.self]
    )

    /// The port `serve` listens on and the simulations call by default.
    static let defaultPort = 7878
}
