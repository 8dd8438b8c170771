import ArgumentParser

/// `pxscript resume [SCRIPT… | --state PATH]`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let sends on a script's state go out again.")

    @OptionGroup var location: StateLocation

    func run() async throws {
        try await setPaused(false, on: location) { "resumed: sends on \($0) go out again" }
    }
}
