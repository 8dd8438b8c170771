import ArgumentParser
import PixiesetModels
import StudioSandbox

/// `pxscript sandbox reply CONVERSATION_ID TEXT`: the studio answers in the web app.
struct SandboxReply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "The studio answers in the web app (which marks the client's messages read); prints it as JSON.")

    @Argument(help: "The conversation (conv_…).") var conversationID: String
    @Argument(help: "What the studio writes.") var text: String
    @OptionGroup var target: SandboxTarget

    func run() async throws {
        try await withExitCodes {
            let (id, text) = (conversationID, text)
            try await target.perform(
                path: "/_sandbox/conversations/\(PercentEncoding.segment(id))/replies", body: ["content": text], as: Message.self
            ) { try await $0.studioReplies(conversationID: id, content: text) }
        }
    }
}
