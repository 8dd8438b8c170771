import ArgumentParser
import PixiesetModels
import StudioSandbox

/// `pxscript sandbox read CONVERSATION_ID`: the studio reads it in the web app.
struct SandboxRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "The studio opens a conversation in the web app, marking it read.")

    @Argument(help: "The conversation (conv_…).") var conversationID: String
    @OptionGroup var target: SandboxTarget

    func run() async throws {
        try await withExitCodes {
            let id = conversationID
            try await target.perform(
                path: "/_sandbox/conversations/\(PercentEncoding.segment(id))/read", body: nil, as: ReadReceipt.self
            ) { try await $0.studioReads(conversationID: id) }
        }
    }
}
