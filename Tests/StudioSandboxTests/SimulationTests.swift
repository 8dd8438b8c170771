import Foundation
import GRDB
import PixiesetModels
import StudioSandbox
import Testing

@Suite("Simulations: what clients and the studio do outside the API")
struct SimulationTests {
    @Test("a client writes in: unread, newest, and it reopens an archived conversation")
    func clientMessage() async throws {
        try await withSandbox { _, wire in
            let archived = try await wire.get("/api/v1/conversations/?message_status=archived").decode(ConversationPage.self).data
            let id = try #require(archived.first?.id)
            let reply = try await wire.post("/_sandbox/conversations/\(id)/messages", json: #"{"content":"Are you still taking bookings?"}"#, withCookie: false)
            #expect(reply.status == 201)
            let message = try reply.decode(Envelope<Message>.self).data
            #expect(message.senderType == .client && message.readAt == nil)
            let conversation = try await wire.conversation(id)
            #expect(conversation.status == .active)
            #expect(conversation.unreadCount == 1)
            // The totals of the lists follow the status change.
            let inbox = try await wire.get("/api/v1/conversations/?message_status=inbox").decode(ConversationPage.self)
            let stillArchived = try await wire.get("/api/v1/conversations/?message_status=archived").decode(ConversationPage.self)
            #expect(inbox.meta?.total == 40 && stillArchived.meta?.total == 0 && stillArchived.data.isEmpty)
            #expect(conversation.lastMessageAt == message.sentAt)
            #expect(try await wire.allConversations().first?.id == id)
        }
    }

    @Test("an inquiry makes a client and a conversation; a known email reuses the client")
    func inquiry() async throws {
        try await withSandbox { sandbox, wire in
            let before = try sandbox.database.counts()
            let first = try await wire.post("/_sandbox/inquiries", json: #"{"name":"Zoe Park","email":"zoe@example.com","content":"Pet portraits?"}"#)
            #expect(first.status == 201)
            let message = try first.decode(Envelope<Message>.self).data
            let conversationID = try #require(message.conversationID)
            let conversation = try await wire.conversation(conversationID)
            #expect(conversation.client?.name == "Zoe Park")
            #expect(conversation.subject == "New inquiry from Zoe Park")
            let second = try await wire.post("/_sandbox/inquiries", json: #"{"name":"Zoe P.","email":"ZOE@example.com","content":"Also a family shoot","subject":"Family"}"#)
            let other = try await wire.conversation(try #require(try second.decode(Envelope<Message>.self).data.conversationID))
            #expect(other.clientID == conversation.clientID)
            #expect(other.subject == "Family")
            let after = try sandbox.database.counts()
            #expect(after.clients == before.clients + 1)
            #expect(after.conversations == before.conversations + 2)
            let page = try await wire.get("/api/v1/conversations/?page_size=1").decode(ConversationPage.self)
            #expect(page.meta?.total == 42 && page.meta?.lastPage == 42)
            let bad = try await wire.post("/_sandbox/inquiries", json: #"{"name":"","email":"nope","content":"x"}"#)
            #expect(bad.status == 400 && bad.code == "VALIDATION_ERROR")
        }
    }

    @Test("the studio replies in the web app: its message, and the client's are read")
    func reply() async throws {
        try await withSandbox { _, wire in
            let unread = try #require(try await wire.allConversations().first { ($0.unreadCount ?? 0) > 0 })
            let reply = try await wire.post("/_sandbox/conversations/\(unread.id)/replies", json: #"{"content":"On it!"}"#)
            let message = try reply.decode(Envelope<Message>.self).data
            #expect(message.senderType == .photographer)
            #expect(try await wire.conversation(unread.id).unreadCount == 0)
        }
    }

    @Test("the studio reads a conversation")
    func read() async throws {
        try await withSandbox { _, wire in
            let unread = try #require(try await wire.allConversations().first { ($0.unreadCount ?? 0) > 0 })
            let receipt = try await wire.post("/_sandbox/conversations/\(unread.id)/read", json: "{}").decode(Envelope<ReadReceipt>.self).data
            #expect(receipt.markedRead == unread.unreadCount)
            #expect(try await wire.conversation(unread.id).unreadCount == 0)
            let missing = try await wire.post("/_sandbox/conversations/conv_NOPE/read", json: "{}")
            #expect(missing.status == 404 && missing.code == "CONVERSATION_NOT_FOUND")
        }
    }

    @Test("simulations straight on the database file, while the server runs")
    func directOnDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("studio.sqlite").path
            var configuration = SandboxConfiguration()
            configuration.databasePath = path
            configuration.clock = StartingClock(start: testStart)
            try await StudioSandbox.withRunning(configuration) { sandbox in
                let wire = Wire(sandbox: sandbox)
                let id = try #require(try await wire.allConversations().last?.id)
                // A second connection, as `pxscript sandbox message --db` opens.
                let other = try SandboxDatabase(path: path, clock: StartingClock(start: testStart), create: false)
                let message = try await other.clientWritesIn(conversationID: id, content: "Written from another process")
                _ = try await other.inquiry(name: "Second Process", email: "second@example.com", content: "Hello from --db")
                try other.close()
                let page = try await wire.get("/api/v1/conversations/?page_size=1").decode(ConversationPage.self)
                #expect(page.meta?.total == 41, "counts kept by triggers see writes of other connections")
                #expect(try await wire.conversation(id).messages?.last?.id == message.id)
                #expect(try await wire.allConversations().dropFirst().first?.id == id)
            }
        }
    }
}

@Suite("Seeds and database files")
struct SeedTests {
    func demo(at start: Timestamp) async throws -> [Conversation] {
        try await withSandbox(clock: ManualClock(start: start)) { _, wire in
            var out: [Conversation] = []
            for summary in try await wire.allConversations() {
                var conversation = try await wire.conversation(summary.id)
                // Attachment URLs name each sandbox's own port; the rest must match exactly.
                conversation.messages = conversation.messages?.map { message in
                    var message = message
                    message.attachments = message.attachments.map { var a = $0; a.url = nil; return a }
                    return message
                }
                out.append(conversation)
            }
            return out
        }
    }

    @Test("demo data is the same on every run, dated from the clock")
    func deterministic() async throws {
        let first = try await demo(at: testStart), second = try await demo(at: testStart)
        #expect(first == second)
        let later = try await demo(at: testStart.adding(microseconds: 86_400_000_000))
        #expect(later.map(\.id) == first.map(\.id))
        #expect(later.first?.lastMessageAt == first.first?.lastMessageAt.map { $0.adding(microseconds: 86_400_000_000) })
    }

    @Test("demo data: clients, months of history, both kinds of waiting, unread, archived, attachments, system messages")
    func demoShape() async throws {
        let conversations = try await demo(at: testStart)
        #expect(conversations.count == 40)
        #expect(Set(conversations.compactMap(\.clientID)).count == 15)
        let messages = conversations.flatMap { $0.messages ?? [] }
        #expect(messages.allSatisfy { $0.sentAt < testStart })
        let oldest = try #require(messages.map(\.sentAt).min())
        #expect(testStart.microseconds - oldest.microseconds > 120 * 86_400_000_000)
        func lastSender(_ c: Conversation) -> SenderType? { c.messages?.last { $0.senderType != .system }?.senderType }
        #expect(conversations.filter { lastSender($0) == .photographer }.count >= 10)
        #expect(conversations.filter { lastSender($0) == .client }.count >= 10)
        #expect(conversations.filter { ($0.unreadCount ?? 0) > 0 }.count >= 3)
        #expect(conversations.filter { $0.status == .archived }.count == 1)
        #expect(messages.contains { !$0.attachments.isEmpty })
        #expect(messages.contains { $0.senderType == .system })
        #expect(messages.allSatisfy { ResourceID.message.isValid($0.id) })
        #expect(conversations.allSatisfy { ResourceID.conversation.isValid($0.id) && ResourceID.client.isValid($0.clientID ?? "") })
    }

    @Test("scale:10000 makes 10,000 conversations")
    func scale() async throws {
        try await withSandbox(seed: .scale(10_000)) { sandbox, wire in
            let counts = try sandbox.database.counts()
            #expect(counts.conversations == 10_000)
            #expect(counts.messages == 30_000)
            let page = try await wire.get("/api/v1/conversations/?page_size=100&page=100").decode(ConversationPage.self)
            #expect(page.data.count == 100 && page.meta?.lastPage == 100)
        }
    }

    @Test("a foreign SQLite file or a corrupt one is refused, never reset")
    func foreignFiles() async throws {
        try await withTemporaryDirectory { directory in
            let foreign = directory.appendingPathComponent("other.sqlite").path
            let queue = try DatabaseQueue(path: foreign)
            try queue.write { try $0.execute(sql: "CREATE TABLE notes(x); INSERT INTO notes VALUES (1);") }
            try queue.close()
            #expect(throws: SandboxSetupError.self) { _ = try SandboxDatabase(path: foreign, clock: SystemClock(), create: true) }
            let corrupt = directory.appendingPathComponent("corrupt.sqlite")
            try Data(repeating: 0x42, count: 8192).write(to: corrupt)
            #expect(throws: SandboxSetupError.self) { _ = try SandboxDatabase(path: corrupt.path, clock: SystemClock(), create: true) }
            #expect(try Data(contentsOf: corrupt) == Data(repeating: 0x42, count: 8192))
            let missing = directory.appendingPathComponent("none.sqlite").path
            let error = #expect(throws: SandboxSetupError.self) { _ = try SandboxDatabase(path: missing, clock: SystemClock(), create: false) }
            #expect(error?.isMissingFile == true)
        }
    }

    @Test("reopening a database keeps its data (no second seeding)")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = SandboxConfiguration()
            configuration.databasePath = directory.appendingPathComponent("s.sqlite").path
            configuration.clock = ManualClock(start: testStart)
            let first = try await StudioSandbox.withRunning(configuration) { try $0.database.counts() }
            let second = try await StudioSandbox.withRunning(configuration) { try $0.database.counts() }
            #expect(first == second)
        }
    }
}
