import ArgumentParser
import PixiesetModels
import StudioSandbox

/// `pxscript sandbox inquiry NAME EMAIL TEXT`: a new client writes in.
struct SandboxInquiry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inquiry", abstract: "A new client starts a conversation; prints the message as JSON.")

    @Argument(help: "The client's name.") var name: String
    @Argument(help: "The client's email.") var email: String
    @Argument(help: "What the client writes.") var text: String
    @Option(help: "The conversation's subject.") var subject: String?
    @OptionGroup var target: SandboxTarget

    func run() async throws {
        try await withExitCodes {
            let (name, email, text, subject) = (name, email, text, subject)
            var body = ["name": name, "email": email, "content": text]
            body["subject"] = subject
            try await target.perform(path: "/_sandbox/inquiries", body: body, as: Message.self) {
                try await $0.inquiry(name: name, email: email, content: text, subject: subject)
            }
        }
    }
}
