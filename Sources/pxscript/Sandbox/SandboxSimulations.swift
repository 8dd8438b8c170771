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
