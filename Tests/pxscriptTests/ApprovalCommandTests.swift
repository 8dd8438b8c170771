import Foundation
import Testing

/// Approvals (issue 20): a send that waits for the photographer, sent once approved,
/// never when rejected, withdrawn when the conversation moved on.
@Suite("pxscript approvals, approve, reject")
struct ApprovalCommandTests {
    /// Asks to nudge the N-th conversation of the list (px.args[1]).
    static let nudge = """
        local n, i = tonumber(px.args[1]) or 1, 0
        for conversation in px.conversations.each{} do
          i = i + 1
          if i == n then
            local result = px.send(conversation.id, "Hi! Just checking in.", { approve = true, key = "nudge-" .. n })
            print(result.approval, result.status, conversation.id)
            return
          end
        end
        """

    static func requestLine(_ outcome: Outcome) throws -> (id: String, conversation: String) {
        let words = try #require(outcome.stdout.split(separator: "\n").last?.split(separator: "\t").map(String.init), "\(outcome.stdout)")
        return (words[0], words[2])
    }

    @Test("asked, listed, joined when asked again, sent once when approved (twice), rejected with a reason, withdrawn when the client wrote again; a dry run plans the request")
    func approvals() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["nudge.lua": Self.nudge])
        defer { folder.remove() }
        let env = folder.environment(serve), script = folder.path("nudge.lua")
        func nudges() throws -> Int { try WatchCommandTests.messages(serve).filter { $0 == "Hi! Just checking in." }.count }

        let plan = try await pxscript(["run", script, "--dry-run"], environment: env)
        #expect(plan.status == 0 && plan.stdout.contains("would ask for approval to send to") && plan.stdout.contains("1 would wait for approval"), "\(plan.stdout)\(plan.stderr)")

        let first = try await pxscript(["run", script], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        let (id, conversation) = try Self.requestLine(first)
        #expect(id.hasPrefix("apr_") && first.stdout.contains("\tpending\t"))
        #expect(try nudges() == 0)
        let again = try await pxscript(["run", script], environment: env)
        #expect(try Self.requestLine(again).id == id, "asked again: joins the open request")

        let listed = try await pxscript(["approvals"], environment: env)
        #expect(listed.stdout.contains("\(id)  pending  to \(conversation)") && listed.stdout.contains("  | Hi! Just checking in."), "\(listed.stdout)")
        #expect(listed.stdout.components(separatedBy: "apr_").count == 2, "one request, not two: \(listed.stdout)")

        let approved = try await pxscript(["approve", id], environment: env)
        #expect(approved.status == 0 && approved.stdout.contains("\(id) approved and sent to \(conversation)"), "\(approved.stdout)\(approved.stderr)")
        #expect(try nudges() == 1)
        // Recorded as sent by approve itself (issue 27): counted today, journaled, and no later command finds it half done.
        let recorded = try await pxscript(["status", script], environment: env)
        #expect(recorded.stdout.contains(" 1 of 200 sends") && recorded.stdout.contains("  sent  "), "\(recorded.stdout)")
        let twice = try await pxscript(["approve", id], environment: env)
        #expect(twice.stdout.contains("is sent: not approved again"), "\(twice.stdout)")
        #expect(try nudges() == 1)
        // Sent under the key it held: the next run does not ask again.
        let after = try await pxscript(["run", script], environment: env)
        #expect(after.status == 0 && !after.stdout.contains("pending"), "\(after.stdout)")
        #expect(!after.stderr.contains("interrupted"), "\(after.stderr)")

        // Rejected: never sent, the reason kept.
        let second = try Self.requestLine(try await pxscript(["run", script, "--", "2"], environment: env))
        let rejected = try await pxscript(["reject", second.id, "--reason", "already booked"], environment: env)
        #expect(rejected.stdout.contains("\(second.id) rejected"))
        let all = try await pxscript(["approvals", "--all"], environment: env)
        #expect(all.stdout.contains("\(second.id)  rejected") && all.stdout.contains("why: already booked"), "\(all.stdout)")

        // Edited before approval: the edited text is what goes out, once.
        let fourth = try Self.requestLine(try await pxscript(["run", script, "--", "4"], environment: env))
        var editing = env
        editing["EDITOR"] = "sed -i s/Just/Only/"
        let edited = try await pxscript(["approve", fourth.id, "--edit"], environment: editing)
        #expect(edited.status == 0 && edited.stdout.contains("\(fourth.id) approved and sent"), "\(edited.stdout)\(edited.stderr)")
        #expect(try WatchCommandTests.messages(serve).filter { $0 == "Hi! Only checking in." }.count == 1)
        // An edit longer than the studio takes is refused before anything is decided or sent (exit 1), and can be edited again.
        let seventh = try Self.requestLine(try await pxscript(["run", script, "--", "7"], environment: env))
        try "#!/bin/sh\nhead -c 25000 /dev/zero | tr '\\0' x > \"$1\"\n".write(toFile: folder.path("long.sh"), atomically: true, encoding: .utf8)
        // Read by a shell, not executed: a file just written can still be open in a process another test
        // forked meanwhile, and executing it then fails with ETXTBSY ("Text file busy").
        editing["EDITOR"] = "sh " + folder.path("long.sh")
        let long = try await pxscript(["approve", seventh.id, "--edit"], environment: editing)
        #expect(long.status == 1 && long.stdout.contains("not approved: the text is 25000 characters long; the studio takes at most 20000"), "\(long.stdout)\(long.stderr)")
        let stillOpen = try await pxscript(["approvals"], environment: env)
        #expect(stillOpen.stdout.contains("\(seventh.id)  pending"), "\(stillOpen.stdout)")
        #expect(try await pxscript(["reject", seventh.id], environment: env).status == 0)

        // Killed right after the send left (before it was recorded), then approved again: sent once.
        let fifth = try Self.requestLine(try await pxscript(["run", script, "--", "5"], environment: env))
        var crashing = env
        crashing["PXSCRIPT_CRASH_AT"] = "after-send"
        #expect(try await pxscript(["approve", fifth.id], environment: crashing).status == 86)
        let resumed = try await pxscript(["approve", fifth.id], environment: env)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(try WatchCommandTests.messages(serve).filter { $0 == "Hi! Just checking in." }.count == 2, "the first nudge and this one, once")

        // Approved from two terminals at once: sent once.
        let sixth = try Self.requestLine(try await pxscript(["run", script, "--", "6"], environment: env))
        async let a = pxscript(["approve", sixth.id], environment: env)
        async let b = pxscript(["approve", sixth.id], environment: env)
        let (one, other) = (try await a, try await b)
        #expect(one.status == 0 && other.status == 0, "\(one.stderr)\(other.stderr)")
        #expect(try WatchCommandTests.messages(serve).filter { $0 == "Hi! Just checking in." }.count == 3)

        // Withdrawn: the client wrote again before the approval.
        let third = try Self.requestLine(try await pxscript(["run", script, "--", "3"], environment: env))
        _ = try await WatchCommandTests.clientWrites(serve, third.conversation, "Actually, I just booked!", env: env)
        let late = try await pxscript(["approve", third.id], environment: env)
        #expect(late.status == 1 && late.stdout.contains("not sent: withdrawn, the client wrote again"), "\(late.stdout)\(late.stderr)")
        #expect(try nudges() == 3)
        _ = await serve.stop()
    }

    /// Asks to send the price guide to the N-th conversation (px.args[1]), with the file attached.
    static let guide = """
        local n, i = tonumber(px.args[1]) or 1, 0
        for conversation in px.conversations.each{} do
          i = i + 1
          if i == n then
            local result = px.send(conversation.id, "Here is the price guide.",
              { approve = true, key = "guide", attachments = { { path = "guide.pdf", filename = "Price guide.pdf" } } })
            print(result.approval, result.status, conversation.id)
            return
          end
        end
        """

    /// Prints each attachment of the conversation's messages: name and size.
    static let attachmentsOf = """
        for _, message in ipairs(px.conversations.get(px.args[1]).messages) do
          for _, attachment in ipairs(message.attachments or {}) do print(attachment.filename, attachment.file_size) end
        end
        """

    @Test("a request keeps the file it attaches as it was when asked (edited or deleted since, the approved one goes out), and the send cap of the run that asked")
    func filesAndCapRecorded() async throws {
        let serve = try await ServeProcess()
        let original = "%PDF-1.4 the spring price guide\n"
        let folder = try RunFolder(["guide.lua": Self.guide, "attachments.lua": Self.attachmentsOf, "guide.pdf": original])
        defer { folder.remove() }
        let env = folder.environment(serve), script = folder.path("guide.lua")

        // Asked under a cap of 0: approved, it waits for that cap (applied when it is sent, not the default 200).
        let capped = try Self.requestLine(try await pxscript(["run", script, "--max-sends", "0", "--", "2"], environment: env))
        let waiting = try await pxscript(["approve", capped.id], environment: env)
        #expect(waiting.stderr.contains("\(capped.id) waits: the send cap is reached"), "\(waiting.stdout)\(waiting.stderr)")
        #expect(try WatchCommandTests.messages(serve).filter { $0 == "Here is the price guide." }.isEmpty)

        let asked = try Self.requestLine(try await pxscript(["run", script, "--", "1"], environment: env))
        let copies = try #require(FileManager.default.enumerator(atPath: folder.path("state"))?.allObjects as? [String])
        #expect(copies.contains { $0.hasSuffix("Price guide.pdf") }, "\(copies)")
        // The file changes, then goes, before anyone approves: the copy taken when it was asked goes out.
        try "a different, longer file that nobody approved\n".write(toFile: folder.path("guide.pdf"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: folder.path("guide.pdf"))
        let approved = try await pxscript(["approve", asked.id], environment: env)
        #expect(approved.status == 0 && approved.stdout.contains("approved and sent"), "asked: \(asked) \(approved.stdout)\(approved.stderr)")
        let listing = try await pxscript(["run", folder.path("attachments.lua"), "--", asked.conversation], environment: env)
        #expect(listing.stdout.contains("Price guide.pdf\t\(original.utf8.count)"), "\(listing.stdout)\(listing.stderr)")
        // Closed: its copies are gone (the capped request, still open, keeps its own).
        let left = FileManager.default.enumerator(atPath: folder.path("state"))?.allObjects as? [String] ?? []
        #expect(!left.contains { $0.contains(asked.id) } && left.contains { $0.contains(capped.id) }, "\(left)")
        _ = await serve.stop()
    }
}
