import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXNotify
import PXState
import Synchronization

/// How a send asks for approval (`approve = true`, or `--approve`).
struct ApprovalAsk: Sendable {
    /// Why it waits, as `approvals` shows it.
    let why: String
    /// Seconds the request stays open (default two days, `expires =`).
    let expires: Double

    static let defaultExpiry: Double = 2 * 86_400
}

extension PxContext {
    /// Records the send as a request instead of sending it. An open request holding
    /// the same key is joined, not doubled; a dry run plans "would ask for approval".
    func askApproval(_ request: SendRequest, ask: ApprovalAsk, key: String, now: Date) async throws -> SendResult {
        if options.dryRun {
            let name = await clientName(of: request.conversationID)
            plan.messages.withLock {
                $0.append(PlannedMessage(
                    conversationID: request.conversationID, clientName: name, content: request.content,
                    attachments: request.attachments.map(\.filename), position: request.position, skipped: nil, asksApproval: true))
            }
            return .asked(approval: "apr_dry_run_\(plan.nextPlaceholder())", state: .pending)
        }
        // A text the studio would refuse for good is refused now, not after the photographer approved it.
        if let problem = SendMessageRequest.contentProblem(request.content) {
            throw LuaScriptError("bad argument #2 to 'send' (\(problem): it cannot be asked for approval)")
        }
        // One read: the client's name, and the latest message, from which "the conversation moved on" is measured.
        let conversation = try await client.conversation(request.conversationID)
        noteNames([conversation])
        let id = Approval.newID()
        // Files are read now, under the script's file policy: what is approved is what goes out.
        let attachments: [String]
        do {
            attachments = try request.attachments.map { spec -> String in
                switch spec {
                case .id(let id): return id
                case .file(let path, let filename, _), .kept(let path, let filename):
                    let name = filename ?? URL(fileURLWithPath: path).lastPathComponent
                    return Approval.keptFile(path: try ApprovalFiles.keep(try policy.readablePath(path), filename: name, approval: id, statePath: store.path), filename: name)
                }
            }
        } catch {
            ApprovalFiles.remove(approval: id, statePath: store.path)
            throw error
        }
        var asked = Approval(
            id: id, conversationID: request.conversationID, clientName: conversation.client?.name ?? "",
            content: request.content, edited: nil, attachments: attachments, key: key,
            script: URL(fileURLWithPath: options.scriptPath).standardizedFileURL.path, position: request.position, why: ask.why,
            latestMessageID: Self.movesOnAfter(conversation, request), state: .pending, createdAt: now, expiresAt: now.addingTimeInterval(ask.expires),
            decidedAt: nil, detail: nil, messageID: nil)
        // Sent later under the cap and zone of this run, whoever approves it.
        asked.maxSends = options.maxSends
        asked.zone = options.timeZone.identifier
        let (approval, joined) = try await store.approvals.request(asked)
        if joined { ApprovalFiles.remove(approval: id, statePath: store.path) }
        // Asked after the conversation already moved on (the handler ran late): withdrawn at once, journaled,
        // never left waiting for a decision that could only withdraw it.
        if !joined, let reason = movedOn(conversation, since: approval) {
            try await store.approvals.close(approval.id, as: .withdrawn, detail: reason, at: clock.now())
            logger.info("\(approval.id) withdrawn as soon as asked: \(reason)", metadata: ["at": "\(request.position)"])
            return .asked(approval: approval.id, state: .withdrawn)
        }
        logger.info(
            joined ? "already waiting for approval as \(approval.id)" : "asked for approval: \(approval.id) to \(request.conversationID)",
            metadata: ["at": "\(request.position)"])
        return .asked(approval: approval.id, state: approval.state)
    }

    /// The message after which anything the client or the photographer writes withdraws the request:
    /// for a handler's reply in its own conversation, the last of the messages it answers as the studio
    /// lists them (a burst's messages of one second may list in another order than they were handled),
    /// so a reply asked late (its handler ran after the client wrote again) is withdrawn, not sent out
    /// of turn; else the conversation's latest message when it was asked.
    static func movesOnAfter(_ conversation: Conversation, _ request: SendRequest) -> String? {
        let messages = conversation.messages ?? []
        guard let run = HandlerRun.current, run.conversationID == request.conversationID,
              let answered = messages.last(where: { run.answering.contains($0.id) })
        else { return messages.last?.id }
        return answered.id
    }

    /// Settles what an interrupted process left pending (looked for, never repeated), sends the
    /// approved requests, and keeps the clients' names it learnt (for `status`).
    func settleAndSendApproved(only ids: Set<String>? = nil) async throws -> ApprovedPass {
        try await reconcilePending()
        let pass = try await sendApproved(only: ids)
        await flushNames()
        return pass
    }

    /// What a pass over the approved requests came to.
    struct ApprovedPass: Sendable {
        /// The requests sent.
        var sent: [Approval] = []
        /// Requests left approved because the studio failed them (unreachable, 5xx, an unknown
        /// outcome), by id, with why: nobody sends them unless a daemon runs or `approve` is run again.
        var studioTrouble: [String: String] = [:]
    }

    /// Sends the approved requests (only `ids`, when given) through the outbox, each with the key it
    /// held, exactly once; first closes expired ones, and withdraws those whose conversation moved on
    /// (re-checked with one read just before sending). A send refused by the cap or a pause waits.
    /// - Returns: the requests sent, and those the studio's trouble left approved.
    func sendApproved(only ids: Set<String>? = nil) async throws -> ApprovedPass {
        // Expiry is the studio's time: read it first if no answer has yet (an `approve` just started).
        if !clock.studio.isMeasured { await client.measureClock() }
        let now = clock.now()
        try await store.approvals.expire(at: now)
        var pass = ApprovedPass()
        for approval in try store.approvals.list(in: [.approved]) where ids?.contains(approval.id) ?? true {
            remember(approval.clientName, of: approval.conversationID)
            var request = SendRequest(
                conversationID: approval.conversationID, content: approval.text, attachments: approval.attachments.map(Self.attachment),
                key: nil, position: approval.position)
            request.eventKey = approval.key
            request.approval = approval.id
            do {
                let conversation = try await client.conversation(approval.conversationID)
                if let reason = movedOn(conversation, since: approval) {
                    try await store.approvals.close(approval.id, as: .withdrawn, detail: reason, at: clock.now())
                    logger.info("\(approval.id) withdrawn: \(reason)")
                    continue
                }
                guard let message = try await send(request).message else { continue }
                try await store.approvals.close(approval.id, as: .sent, detail: nil, messageID: message.id, at: clock.now())
                pass.sent.append(approval)
            } catch SendRefusal.inFlight {
                // Another process (a second `approve`, the daemon) is sending it right now: once is enough.
                logger.info("\(approval.id) is being sent by another process")
            } catch let refusal as SendRefusal {
                // Caps and pause apply when it is sent: it stays approved for the next pass.
                logger.warning("\(approval.id) waits: \(refusal == .paused ? "sends are paused" : "the send cap is reached")")
            } catch where Self.refusedForGood(error) {
                // Refused for good: closed, said, and never in the way of the others.
                let reason = "refused by the studio: \(error)"
                try await store.approvals.close(approval.id, as: .refused, detail: reason, at: clock.now())
                logger.error("\(approval.id) to \(approval.clientName) closed, not sent: \(reason)")
                options.notifier.post(
                    Notice(kind: .message, title: "pxscript: the studio refused an approved message to \(approval.clientName)",
                           text: "\(approval.id) (\(approval.position)) was approved, and the studio refused it: \(error). It is closed and will not be sent; "
                               + "ask again (or write to the client yourself) once it is fixed.", script: approval.script, at: clock.now()),
                    on: store)
            } catch where SessionRefusal(error) != nil || LocalFault(error) != nil {
                // The login or this machine: every other request would meet it too.
                throw error
            } catch {
                // A passing failure (the network, the studio's 5xx): it stays approved for the next pass; the others go on.
                logger.warning("\(approval.id) waits for the next try: \(error)")
                pass.studioTrouble[approval.id] = "\(error)"
            }
        }
        return pass
    }

    /// A failure sending it again would meet too: the studio refusing the request itself (400, 404,
    /// 410, 413, 414, 415, 422); a conversation or file that does not exist; a request pxscript itself refuses.
    static func refusedForGood(_ error: any Error) -> Bool {
        switch error as? PixiesetError {
        // Only what the studio says about the request itself: a 409, 423 or 425 may pass, a 407 is a proxy's.
        case .api(let failure)?: [400, 404, 410, 413, 414, 415, 422].contains(failure.status)
        case .invalidID?, .invalidRequest?, .file?: true
        case .sessionExpired?, .csrfRefused?, .unreachable?, .keptFailing?, .malformedResponse?, .truncatedResponse?, .sendPending?, nil: false
        }
    }

    /// Why the conversation moved on since `approval` was asked, if it did: the client wrote again,
    /// or the studio answered personally (pxscript's own messages do not count).
    func movedOn(_ conversation: Conversation, since approval: Approval) -> String? {
        let messages = conversation.messages ?? []
        let later: ArraySlice<Message>
        if let latest = approval.latestMessageID, let index = messages.firstIndex(where: { $0.id == latest }) {
            later = messages[(index + 1)...]
        } else {
            // Not found (a capped list): by time, from when it was asked.
            later = messages.filter { $0.sentAt.secondsSince1970 > approval.createdAt.timeIntervalSince1970 }[...]
        }
        // pxscript's own messages, by identity whatever their label (an API may label them the client's).
        let own = (try? self.own.sent(among: Array(later), in: conversation.id, now: clock.now())) ?? automatedIDs(in: Array(later))
        for message in later where !own.contains(message.id) {
            let at = ISOTime.format(Date(timeIntervalSince1970: message.sentAt.secondsSince1970))
            if message.senderType == .client { return "the client wrote again (\(at))" }
            if message.senderType != .system { return "you answered personally (\(at))" }
        }
        return nil
    }

    /// The `code` of a px error table the host raised.
    static func attachment(_ recorded: String) -> AttachmentSpec {
        let parsed = Approval.parse(recorded)
        if let id = parsed.id { return .id(id) }
        // A request from before copies were kept names the file itself, read under the policy when sent.
        return parsed.kept ? .kept(path: parsed.path, filename: parsed.filename) : .file(path: parsed.path, filename: parsed.filename, contentType: nil)
    }
}
