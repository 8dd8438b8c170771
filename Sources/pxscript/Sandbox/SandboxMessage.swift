import ArgumentParser
import PixiesetModels
import StudioSandbox

/// `pxscript sandbox message CONVERSATION_ID TEXT`: a client writes in.
struct SandboxMessage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message", abstract: "A client writes a message in a conversation; prints it as JSON.")

    @Argument(help: "The conversation (conv_…).") var conversationID: String
    @Argument(help: "What the client writes.") var text: String
    @OptionGroup var target: SandboxTarget

    func run() async throws {
        try await withExitCodes {
            let (id, text) = (conversationID, text)
            try await target.perform(
                path: "/_sandbox/conversations/\(PercentEncoding.segment(id))/messages", body: ["content": text], as: Message.self
            ) { try await $0.clientWritesIn(conversationID: id, content: text) }
        }
    }
}
