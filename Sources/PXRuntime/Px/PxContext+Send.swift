import Crypto
import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXState
import Synchronization

/// An attachment as a script names it (docs/spec.md §4).
enum AttachmentSpec: Sendable, Hashable {
    /// An `att_…` id uploaded before.
    case id(String)
    /// A file to upload first, under the file policy.
    case file(path: String, filename: String?, contentType: String?)
    /// pxscript's own copy of a file, made when an approval was asked (outside the script's folder, by design).
    case kept(path: String, filename: String?)

    /// The name the message will show (unknown for an id).
    var filename: String {
        switch self {
        case .id: ""
        case .file(let path, let filename, _), .kept(let path, let filename): filename ?? URL(fileURLWithPath: path).lastPathComponent
        }
    }

    /// What identifies it in a derived send key.
    var keyPart: String {
        switch self {
        case .id(let id): id
        case .file, .kept: "file:" + filename
        }
    }
}

/// A send a script asked for.
struct SendRequest: Sendable {
    let conversationID: String
    let content: String
    let attachments: [AttachmentSpec]
    /// The script's `key =`, if any.
    let key: String?
    /// Inside a handler: the (event, ordinal) key, used when the script gives none.
    var eventKey: String? = nil
    /// `file:line` of the script line that asked.
    let position: String
    /// Asks for approval instead of sending (`approve = true`).
    var approve: ApprovalAsk? = nil
    /// This is the send of approved request `approval`: it never asks again.
    var approval: String? = nil
}

extension PxContext {
    /// Sends exactly once (docs/spec.md §4 "Send keys", §6 "Durable state"): the
    /// intent is recorded before the request; a key already sent is
    /// skipped and its first message returned; an unknown outcome stays
    /// pending for reconciliation. Each outcome is counted for the run (and
    /// the handler run) that asked, so a run whose sends failed never ends as
    /// a success, whether or not the script caught the error.
    func send(_ request: SendRequest) async throws -> SendResult {
        let run = HandlerRun.current
        do {
            let (result, outcome) = try await makeSend(request)
            tally.note(outcome)
            run?.tally.note(outcome)
            return result
        } catch {
            tally.noteFailed(request.conversationID, error)
            run?.tally.noteFailed(request.conversationID, error)
            throw error
        }
    }

    private func makeSend(_ request: SendRequest) async throws -> (SendResult, SendTally.Outcome) {
        let explicit = request.key != nil || request.eventKey != nil
        let key = request.key.map { "k:" + $0 } ?? request.eventKey ?? Self.derivedKey(request)
        // The send is dated, and its day counted, in the studio's time: read it first if no answer has yet.
        if !clock.studio.isMeasured { await client.measureClock() }  // checked first: no hop off the actor per send
        let now = clock.now()
        if request.approval == nil, let ask = request.approve ?? options.approveAll.map({ ApprovalAsk(why: "--approve", expires: $0) }) {
            // A key already sent is skipped as usual; otherwise the send waits for the photographer.
            if let first = try store.sends.sentMessage(conversationID: request.conversationID, key: key, explicitKey: explicit, now: now) {
                return (try await skipped(request, key: key, messageJSON: first, at: now), .skipped)
            }
            return (try await askApproval(request, ask: ask, key: key, now: now), options.dryRun ? .planned : .asked)
        }
        let day = capDay(now)
        // With files to upload, looked up first, so a skipped send uploads nothing.
        if request.attachments.contains(where: { if case .id = $0 { false } else { true } }),
           let first = try store.sends.sentMessage(conversationID: request.conversationID, key: key, explicitKey: explicit, now: now)
        {
            return (try await skipped(request, key: key, messageJSON: first, at: now), .skipped)
        }
        var ids: [String] = [], names: [String] = []
        for attachment in request.attachments {
            names.append(attachment.filename)
            ids.append(try await attachmentID(attachment))
        }
        let intent = SendIntent(conversationID: request.conversationID, content: request.content, attachmentIDs: ids, attachmentNames: names)
        let entry: OutboxEntry
        do {
            switch try await sender.reserve(intent, key: key, explicitKey: explicit, now: now, day: day, cap: options.maxSends) {
            case .alreadySent(let json):
                return (try await skipped(request, key: key, messageJSON: json, at: now), .skipped)
            case .inFlight:
                throw SendError.refused(.inFlight(conversationID: request.conversationID))
            case .proceed(let reserved):
                entry = reserved
            }
            if options.dryRun { return (try await planned(request, entry: entry, intent: intent, at: now), .planned) }
            crash.check(.afterIntent)
            let message = try await sender.deliver(entry, position: request.position) { crash.check(.afterSend) }
            return (.sent(message), .sent)
        } catch let error as SendError {
            // The script and the rest of pxscript know the error itself (px gives it its code).
            throw error.underlying
        }
    }

    /// The send pipeline's core (reserve → the studio → record), with this run's clock.
    var sender: Sender {
        Sender(store: store, client: client, automated: automated, logger: logger, now: { [clock] in clock.now() })
    }

    /// The key of a send without `key =`: the conversation (kept beside it),
    /// the normalised text and the attachments.
    static func derivedKey(_ request: SendRequest) -> String {
        // The SHA-256 of the normalised text and the sorted attachment parts,
        // each after a \u{1}; hashed piece by piece, with no joined copy.
        var hasher = SHA256()
        var text = SendIntent.normalise(request.content)
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        let separator: [UInt8] = [1]
        separator.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        for (index, var part) in request.attachments.map(\.keyPart).sorted().enumerated() {
            if index > 0 { separator.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        let digits = Array("0123456789abcdef".utf8)
        return "h:" + String(unsafeUninitializedCapacity: 64) { hex in
            var index = 0
            for byte in hasher.finalize() {
                hex[index] = digits[Int(byte >> 4)]
                hex[index + 1] = digits[Int(byte & 15)]
                index += 2
            }
            return 64
        }
    }

    func skipped(_ request: SendRequest, key: String, messageJSON: String, at: Date) async throws -> SendResult {
        let message = try JSONDecoder().decode(Message.self, from: Data(messageJSON.utf8))
        logger.info(
            "skipped a send to \(request.conversationID): already sent as \(message.id)",
            metadata: ["at": "\(request.position)", "by": "\(SendKeyText.readable(key))"])
        try await store.journal.append(
            .skipped, conversationID: request.conversationID, detail: "already sent as \(message.id) (\(SendKeyText.readable(key)))", at: at)
        if options.dryRun {
            plan.messages.withLock {
                $0.append(PlannedMessage(
                    conversationID: request.conversationID, clientName: "", content: request.content,
                    attachments: request.attachments.map(\.filename), position: request.position, skipped: "already sent as \(message.id)"))
            }
        }
        return .skipped(message)
    }

    /// The id to send for `attachment`: uploaded now (nothing in a dry run).
    private func attachmentID(_ attachment: AttachmentSpec) async throws -> String {
        switch attachment {
        case .id(let id):
            return id
        case .file(let path, let filename, let contentType):
            let readable = try policy.readablePath(path)
            if options.dryRun {
                guard FileManager.default.isReadableFile(atPath: readable) else {
                    throw PixiesetError.file(path: path, problem: "cannot be read")
                }
                return "att_dry_run_\(plan.nextPlaceholder())"
            }
            return try await client.upload(fileAt: readable, filename: filename, contentType: contentType).id
        case .kept(let path, let filename):
            // Only pxscript's own copies beside this state: a kept path never opens anything else.
            guard ApprovalFiles.isKept(path, statePath: store.path) else { throw PixiesetError.file(path: path, problem: "not a copy kept for an approval") }
            guard !options.dryRun else { return "att_dry_run_\(plan.nextPlaceholder())" }
            return try await client.upload(fileAt: path, filename: filename).id
        }
    }

    /// A dry run's send: recorded in the throw-away state, planned, and
    /// answered with a placeholder message (`dry_run = true`).
    private func planned(_ request: SendRequest, entry: OutboxEntry, intent: SendIntent, at: Date) async throws -> SendResult {
        // Refused as the real run would refuse it: a plan and a run differ only in what is sent.
        let target: Conversation
        do {
            target = try await client.checkSendTarget(intent)
        } catch {
            try? await store.sends.abandonSend(entry, reason: "\(error)", at: at)
            throw error
        }
        remember(target.client?.name ?? "?", of: request.conversationID)
        if target.client?.name == nil { clientNames.withLock { $0[request.conversationID] = "?" } }
        let id = "msg_dry_run_\(plan.nextPlaceholder())"
        let message = Message(
            id: id, conversationID: request.conversationID, content: request.content, sentAt: Timestamp(microseconds: Int64(saturating: at.timeIntervalSince1970 * 1_000_000)),
            senderType: .photographer, senderID: nil, readAt: nil,
            attachments: zip(intent.attachmentIDs, request.attachments).map {
                Attachment(id: $0, filename: $1.filename, fileSize: nil, contentType: nil, url: nil)
            })
        try await store.sends.markSent(entry, message: message, at: at, reconciled: false)
        let name = await clientName(of: request.conversationID)
        plan.messages.withLock {
            $0.append(PlannedMessage(
                conversationID: request.conversationID, clientName: name, content: request.content,
                attachments: request.attachments.map(\.filename), position: request.position, skipped: nil))
        }
        return .planned(message)
    }

    /// Settles sends an earlier run left pending (docs/spec.md §6): each is looked
    /// for in its conversation; found, it is recorded as sent; not found, it
    /// is forgotten (the script may send it again). A check that fails
    /// stops the run before the script starts. Pending sends of a process
    /// still sending on this state are left to it: claiming waits for the
    /// send lease.
    func reconcilePending() async throws {
        let claimed = try await store.sends.claimPendingSends()
        for (index, entry) in claimed.enumerated() {
            let matched = try store.sends.matchedMessageIDs(in: entry.intent.conversationID)
            let found: Message?
            do {
                found = try await client.reconcile(entry.intent, since: entry.attemptedAt, excluding: matched)
            } catch {
                for unsettled in claimed[index...] { store.sends.leavePending(unsettled) }
                // An expired session or a local fault is what it is (77, 74), not "try again later".
                if let refusal = SessionRefusal(error) {
                    let words = "a send to \(entry.intent.conversationID) from an interrupted run could not be checked: \(error)"
                    throw RuntimeError.refused(refusal, words)
                }
                if LocalFault(error) != nil { throw error }
                throw RuntimeError.unavailable(
                    "a send to \(entry.intent.conversationID) from an interrupted run could not be checked (\(error)); "
                        + "nothing was run, so it cannot be sent twice: try again later")
            }
            if let found {
                try await store.sends.markSent(entry, message: found, at: clock.now(), reconciled: true)
                logger.info("a send from an interrupted run had reached \(entry.intent.conversationID) (\(found.id)); recorded")
            } else {
                try await store.sends.abandonSend(entry, reason: "not sent before an interruption", at: clock.now())
                logger.info("a send from an interrupted run had not reached \(entry.intent.conversationID); it may be sent again")
            }
        }
    }
}
