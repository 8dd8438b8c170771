import Foundation
import PixiesetKit
import PixiesetModels
import StudioSandbox
import Testing

@Suite("Sending: exactly once")
struct SendTests {
    func stored(_ sandbox: RunningSandbox, _ content: String) throws -> [String] {
        try sandbox.database.allMessages().filter { $0.content == content }.map(\.id)
    }

    @Test("a plain send")
    func send() async throws {
        try await withClient { sandbox, client in
            let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
            let outcome = try await client.send(SendIntent(conversationID: id, content: "Thank you!"), now: sandboxNow)
            guard case .sent(let message) = outcome else { Issue.record("\(outcome)"); return }
            #expect(message.content == "Thank you!" && message.conversationID == id)
            #expect(try stored(sandbox, "Thank you!") == [message.id])
        }
    }

    @Test("error_after_commit: the lost answer is reconciled, the message exists once")
    func afterCommit() async throws {
        try await withClient(faults: "error_after_commit=1") { sandbox, client in
            let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
            let outcome = try await client.send(SendIntent(conversationID: id, content: "Your gallery is ready"), now: sandboxNow)
            guard case .reconciled(let message) = outcome else { Issue.record("\(outcome)"); return }
            #expect(try stored(sandbox, "Your gallery is ready") == [message.id])
        }
    }

    @Test("a 2xx whose answer cannot be read is an unknown outcome: reconciled, the message exists once")
    func garbledAnswer() async throws {
        try await withClient(faults: "garbled=1") { sandbox, client in
            let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
            // Every answer is cut in half: the searches too, so the send stays pending rather than go twice.
            let error = await #expect(throws: PixiesetError.self) {
                try await client.send(SendIntent(conversationID: id, content: "Booked!"), now: sandboxNow)
            }
            guard case .sendPending? = error else { Issue.record("not left pending: \(String(describing: error))"); return }
            sandbox.controls.setFaults(.none)
            #expect(try stored(sandbox, "Booked!").count == 1)
        }
    }

    @Test("two sends of the same text under error_after_commit each land exactly once")
    func identicalTexts() async throws {
        try await withClient(faults: "error_after_commit=1") { sandbox, client in
            let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
            let intent = SendIntent(conversationID: id, content: "See you Saturday!")
            let first = try await client.send(intent, now: sandboxNow).message
            let second = try await client.send(intent, excluding: [first.id], now: sandboxNow).message
            #expect(first.id != second.id)
            #expect(Set(try stored(sandbox, "See you Saturday!")) == [first.id, second.id])
        }
    }

    @Test("under every fault at once, each of 12 sends lands exactly once")
    func chaos() async throws {
        try await withClient(faults: "error=0.3,throttle=0.2,error_after_commit=0.3,seed=5") { sandbox, client in
            let ids = try sandbox.database.conversationIDs(ofStudio: "st_HOME")
            var matched = Set<String>()
            for index in 0..<12 {
                let message = try await client.send(
                    SendIntent(conversationID: ids[index % 3], content: "Reminder \(index % 4)"), excluding: matched, now: sandboxNow
                ).message
                matched.insert(message.id)
            }
            for text in 0..<4 {
                #expect(try stored(sandbox, "Reminder \(text)").count == 3, "Reminder \(text)")
            }
            #expect(matched.count == 12)
        }
    }

    @Test("when the conversation cannot be checked, the send stays pending and is not repeated")
    func pending() async throws {
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), deadline: .seconds(3600))
        try await withClient(faults: "error=1", retry: policy) { sandbox, client in
            let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
            let error = await pixiesetError { _ = try await client.send(SendIntent(conversationID: id, content: "Pending?"), now: sandboxNow) }
            guard case .sendPending(id, _) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(error?.description.contains("may or may not have been sent") == true)
        }
    }

    @Test("reconciliation: normalised text, attachment names, the skew window, exclusions")
    func reconcile() async throws {
        try await withClient { sandbox, client in
            let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
            let sent = try await client.send(SendIntent(conversationID: id, content: "Caf\u{E9} at 10?\r\n"), now: sandboxNow).message
            let before = sandboxNow().addingTimeInterval(-60)
            let sameText = SendIntent(conversationID: id, content: "  Cafe\u{301} at 10?\n")
            #expect(try await client.reconcile(sameText, since: before)?.id == sent.id)
            #expect(try await client.reconcile(sameText, since: before, excluding: [sent.id]) == nil)
            let withFile = SendIntent(conversationID: id, content: "Caf\u{E9} at 10?", attachmentNames: ["guide.pdf"])
            #expect(try await client.reconcile(withFile, since: before) == nil)
            let later = sandboxNow().addingTimeInterval(3600)
            #expect(try await client.reconcile(sameText, since: later) == nil, "sent before the attempt (beyond the skew)")
        }
    }
}
