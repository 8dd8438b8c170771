import Foundation
import Logging
import PixiesetKit
import PixiesetModels

/// Why a send was not made, typed: what the outbox refused before anything left,
/// what the studio (or the way to it) answered, or this machine's state failing.
/// `Sender` throws nothing else.
public enum SendError: Error, Sendable {
    /// Paused, the day's cap reached, or the same send in flight elsewhere (docs/spec.md §5).
    case refused(SendRefusal)
    /// The studio refused it or could not be reached: its `PixiesetError` says how (a session
    /// expired, a CSRF token refused, an API error, unreachable, an outcome unknown).
    case studio(PixiesetError)
    /// The state could not be read or written (a lock, a full disk: `LocalFault`; or the state's own error).
    case state(any Error)
    /// The task was cancelled (a stop) before the send was made.
    case cancelled

    init(_ error: any Error) {
        switch error {
        case let refusal as SendRefusal: self = .refused(refusal)
        case let studio as PixiesetError: self = .studio(studio)
        case is CancellationError: self = .cancelled
        default: self = .state(error)
        }
    }

    /// The error as the rest of pxscript knows it (px turns it into a code at its own boundary).
    public var underlying: any Error {
        switch self {
        case .refused(let refusal): refusal
        case .studio(let error): error
        case .state(let error): error
        case .cancelled: CancellationError()
        }
    }
}

/// One send, exactly once, with no Lua and no script in it (docs/spec.md §6
/// "Durable state"): the intent reserved in the outbox (its key, pause, the
/// day's cap), one request to the studio (an unknown outcome looked for, never
/// repeated blindly), the outcome recorded. What a script's send adds (approval
/// asked instead, files uploaded, the run's tallies, a dry run's plan) is the
/// caller's: `px.send` and `event:reply`, and approved requests sent by
/// `approve`, the dashboard and the daemon.
package struct Sender: Sendable {
    let store: StateStore
    let client: PixiesetClient
    let automated: AutomatedMessages
    let logger: Logger
    /// The studio's time: sends are dated and looked for in it.
    let now: @Sendable () -> Date

    package init(store: StateStore, client: PixiesetClient, automated: AutomatedMessages, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.client = client
        self.automated = automated
        self.logger = logger
        self.now = now
    }

    /// Records the intent before the request: `.proceed` with its entry, or the first message
    /// already sent under `key` (API JSON).
    package func reserve(
        _ intent: SendIntent, key: String, explicitKey: Bool, now: Date, day: String, cap: Int
    ) async throws(SendError) -> SendReservation {
        do {
            let reservation = try await store.sends.reserve(intent, key: key, explicitKey: explicitKey, now: now, day: day, cap: cap)
            if case .inFlight = reservation { throw SendRefusal.inFlight(conversationID: intent.conversationID) }
            return reservation
        } catch {
            throw SendError(error)
        }
    }

    /// Makes the request for a reserved send and records what came of it.
    ///
    /// A refused CSRF token is looked for at once (reads work meanwhile): found, it is recorded;
    /// not, forgotten. An outcome left unknown stays pending, to be looked for before the send is
    /// ever made again. Any other failure surely stored nothing: forgotten, its place under the cap given back.
    /// - Parameters:
    ///   - position: `file:line` of the script line that asked, kept for results per message.
    ///   - afterSend: called once the studio answered, before anything is recorded (tests crash there).
    package func deliver(_ entry: OutboxEntry, position: String, afterSend: () -> Void = {}) async throws(SendError) -> Message {
        let intent = entry.intent
        let outcome: SendOutcome
        do {
            // Other sends' messages are read only if this one's outcome is unknown.
            outcome = try await client.send(
                intent, excludingFrom: { [store] in try store.sends.matchedMessageIDs(in: intent.conversationID) }, now: now)
        } catch {
            await settleFailed(entry, error)
            throw SendError(error)
        }
        afterSend()
        let message = outcome.message
        automated.note(message.id)
        do {
            if case .reconciled = outcome {
                try await store.sends.markSent(entry, message: message, at: now(), reconciled: true)
            } else {
                // Not waited for: the send is done, and a lost outcome is found again by reconciliation.
                store.sends.markSentSoon(entry, message: message, at: now()) { [logger] error in
                    logger.warning("could not record that \(message.id) was sent to \(intent.conversationID) (\(error)); the next run looks for it in the conversation")
                }
            }
        } catch {
            throw SendError(error)
        }
        // The script line that sent it, for results per message (one small write; a run may end right after,
        // so it is not left to a task). Only statistics: a failure is not the send's.
        try? store.sends.noteOrigin(of: message.id, position: position)
        logger.info("sent \(message.id) to \(intent.conversationID)", metadata: ["at": "\(position)"])
        return message
    }

    /// What a failed request leaves in the outbox.
    private func settleFailed(_ entry: OutboxEntry, _ error: any Error) async {
        let intent = entry.intent
        // A refused CSRF token surely stored nothing on a Laravel back end, but the real API is
        // unknown: the send stays pending and is looked for before it is ever made again.
        if case PixiesetError.csrfRefused? = error as? PixiesetError, case .success(let found) = await lookFor(intent, since: entry.attemptedAt) {
            // Reads work while the token is refused: looked for at once. Not there, it is forgotten and
            // its place under the cap given back (a refused send never counts); there, recorded.
            if let message = found {
                try? await store.sends.markSent(entry, message: message, at: now(), reconciled: true)
            } else {
                try? await store.sends.abandonSend(entry, reason: "refused by the studio (CSRF token): \(error)", at: now())
            }
        } else if Self.leavesPending(error) {
            store.sends.leavePending(entry)
            try? await store.journal.append(.pending, conversationID: intent.conversationID, detail: "\(error)", at: now())
        } else {
            try? await store.sends.abandonSend(entry, reason: "\(error)", at: now())
        }
    }

    /// Whether `intent` reached its conversation after `since` (a failure: nothing could be said).
    private func lookFor(_ intent: SendIntent, since: Date) async -> Result<Message?, any Error> {
        do {
            return .success(try await client.reconcile(intent, since: since, excluding: try store.sends.matchedMessageIDs(in: intent.conversationID)))
        } catch {
            return .failure(error)
        }
    }

    /// Failures after which a send stays pending for reconciliation instead of being forgotten.
    package static func leavesPending(_ error: any Error) -> Bool {
        switch error as? PixiesetError {
        case .sendPending?, .csrfRefused?: true
        case .api?, .sessionExpired?, .unreachable?, .keptFailing?, .malformedResponse?, .truncatedResponse?, .invalidID?, .file?, .invalidRequest?, nil:
            false
        }
    }
}
