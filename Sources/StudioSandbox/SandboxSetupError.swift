/// A problem starting the sandbox or opening its database, worded for the
/// person who ran the command.
public struct SandboxSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// Whether the problem is a missing file (exit 66) rather than bad input.
    public let isMissingFile: Bool

    public init(_ description: String, isMissingFile: Bool = false) {
        self.description = description
        self.isMissingFile = isMissingFile
    }
}
