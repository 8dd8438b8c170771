import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXState
import Synchronization

extension PXRuntime {
    /// Runs the watched script's top level (it registers handlers and may
    /// read; a send there is an error), after settling pending sends.
    /// - Returns: how many `px.on("message")` handlers it registered.
    public func loadWatchScript() async throws -> Int {
        precondition(context.options.watch, "loadWatchScript needs RuntimeOptions.watch")
        _ = try await run()
        // For `watch --trigger` in another process: a name it cannot run is refused there, not logged here.
        if !context.options.dryRun {
            let names = String(decoding: try JSONEncoder().encode(scheduleNames), as: UTF8.self)
            try await context.store.settings.write(.scheduleNames, names)
        }
        return context.watch.handlers.withLock { $0.count }
    }

    /// The schedules the watched script registered (`px.every`, `px.cron`, `px.at`, `px.after`).
    nonisolated public var scheduleCount: Int { context.watch.schedules.withLock { $0.count } }

    /// Whether the watched script handles messages (`px.on("message", …)`): without, nothing is polled.
    nonisolated public var handlesMessages: Bool { context.watch.handlers.withLock { !$0.isEmpty } }

    /// The zone of the send cap and of schedules (`--tz`).
    nonisolated public var timeZone: TimeZone { context.options.timeZone }

    /// The messages planned since the last call (a dry run's plan, cycle by cycle).
    public func takePlan() -> [PlannedMessage] {
        context.plan.messages.withLock { plan in
            defer { plan = [] }
            return plan
        }
    }

    /// How a handler run for one event ended.
    public enum HandlerOutcome: Sendable {
        /// Handled; `replied` when the handlers sent (or found already sent) at least one message.
        case done(replied: Bool)
        /// Every handler's `max_age` had passed.
        case tooOld
        /// A handler raised an error; `code` when it was a px error table
        /// the host raised (a cap or pause is not the handler's fault).
        case failed(message: String, traceback: String, code: PxErrorCode?)
        /// The studio's trouble failed it (`StudioTrouble`: an outage, an answer cut short, a send whose
        /// outcome is unknown; or the script's own error after such a failed send): it waits, no try used up.
        case studioTrouble(message: String)
        /// This machine failed the state during the run (a lock, a full disk): nobody's fault, it passes.
        case localFault(LocalFault)

        /// Whether the handler failed for the studio's trouble: it waits, no try used up.
        var metStudioTrouble: Bool {
            if case .studioTrouble = self { true } else { false }
        }

        /// Whether the handler did not complete (its error, or the studio's trouble).
        var isFailure: Bool {
            switch self {
            case .failed, .studioTrouble: true
            case .done, .tooOld, .localFault: false
            }
        }
    }

    /// The quiet period the script's handlers wait for (`debounce`, 0: none).
    nonisolated public var debounce: Double { context.watch.handlers.withLock { $0.first?.debounce ?? 0 } }

    /// Which of `messages` pxscript itself sent (the loop guard, `OwnMessages.sent`).
    func ownMessages(_ messages: [Message], conversationID: String, now: Date) throws -> Set<String> {
        try context.own.sent(among: messages, in: conversationID, now: now)
    }

    /// Sends the approved requests (only `ids`, when given), each exactly once, unless its
    /// conversation moved on. Returns those sent.
    public func sendApproved(only ids: Set<String>? = nil) async throws -> [Approval] {
        try await context.settleAndSendApproved(only: ids).sent
    }

    /// Settles sends left pending (by an interrupted run, a refused CSRF
    /// token, a check that failed): each is looked for in its conversation
    /// before its event runs again.
    func reconcilePending() async throws {
        try await context.reconcilePending()
    }

    /// Runs the handlers for `burst` (one message, or with `debounce` the
    /// messages of a quiet-ended burst, oldest first) as one run (`HandlerRun.current`),
    /// its effects committed with the events when it completes (docs/spec.md §4, §6).
    /// Sends are keyed by the burst's first message, so a retry that finds
    /// the burst grown still replies once.
    func handle(_ burst: [Message], in conversation: Conversation, now: Date, retried: Bool = false) async throws -> HandlerOutcome {
        guard let first = burst.first, let message = burst.last else { return .done(replied: false) }
        let age = max(0, now.timeIntervalSince1970 - message.sentAt.secondsSince1970)
        // A message the photographer queued again (`pxscript retry`) is handled whatever its age: asked for.
        let handlers = context.watch.handlers.withLock { $0 }.filter { retried || age <= $0.maxAge }
        guard !handlers.isEmpty, let runner = context.watch.runner.withLock({ $0 }) else { return .tooOld }
        let run = HandlerRun(
            eventID: first.id, conversationID: conversation.id, answering: Set(burst.map(\.id)),
            priorSends: retried ? try context.store.sends.sends(in: conversation.id, keyPrefix: "e:\(first.id):") : nil)
        let event = eventValue(burst, conversation: conversation, age: age)
        context.crash.check(.inHandler)
        do {
            for handler in handlers {
                _ = try await HandlerRun.$current.withValue(run) {
                    try await lua.call(runner, with: [.integer(Int64(handler.index)), event], timeout: context.options.handlerTimeout)
                }
            }
            context.crash.check(.afterHandler)
            // Sends that failed, even caught (a px.map item): the run did not do its job; tried again, the
            // sends it made are skipped by their keys.
            if let failure = run.tally.current.failureSummary {
                try? context.store.kept.releaseHolds(of: run.holder)
                return run.tally.current.metStudioTrouble ? .studioTrouble(message: failure) : .failed(message: failure, traceback: "", code: nil)
            }
            try await context.store.ledger.completeEvents(
                burst.map(\.id), conversationID: conversation.id, effects: run.effects, holder: run.holder, at: now)
            let tally = run.tally.current
            return .done(replied: run.sendCount > 0 || tally.sent + tally.skipped + tally.asked + tally.planned > 0)
        } catch let error as LuaError {
            // Its effects are dropped, so the keys it held are free for the others (decision 0010).
            try? context.store.kept.releaseHolds(of: run.holder)
            if case .runtime(let message, let traceback, _) = error {
                let code = PxErrorCode(hostRaised: error)
                if code == .localFault, let cause = error.cause {
                    let kind = cause.kind.flatMap(LocalFault.Kind.init(rawValue:)) ?? .io
                    return .localFault(LocalFault(kind, path: context.store.path, detail: cause.detail ?? message))
                }
                // What the host raised is told by `StudioTrouble` (an answer cut short is the studio's trouble,
                // one that is not JSON is not); a script's own error raised after the studio failed one of its
                // sends is that trouble's too. A send under way elsewhere (SEND_IN_FLIGHT) has a wait of its own.
                let trouble = code.map { $0 != .sendInFlight && StudioTrouble.caused(error) } ?? run.tally.current.metStudioTrouble
                return trouble ? .studioTrouble(message: message) : .failed(message: message, traceback: traceback, code: code)
            }
            return .failed(message: error.message, traceback: "", code: nil)
        } catch {
            try? context.store.kept.releaseHolds(of: run.holder)
            throw error
        }
    }

    /// The `event` table a handler gets: `message` (the newest of the
    /// burst), `messages` (the burst, oldest first), `conversation`,
    /// `client`, `answered` (the studio answered personally after it),
    /// `first` (no message from anyone came before it), `age`;
    /// every message with `automated` (docs/spec.md §4).
    func eventValue(_ burst: [Message], conversation: Conversation, age: Double) -> LuaValue {
        guard let message = burst.last, let oldest = burst.first else { return .map([:]) }
        let messages = conversation.messages ?? []
        // The conversation holds every message of the event: one lookup serves the marks too.
        let automated = context.automatedIDs(in: messages)
        let answered = messages.contains {
            $0.senderType.isStudio && $0.sentAt > message.sentAt && !automated.contains($0.id)
        }
        // A new inquiry: nobody wrote before it, neither the client nor the studio (a client
        // answering the photographer's first message after a phone call is not "reaching out").
        let first = !messages.contains { $0.id != oldest.id && $0.sentAt < oldest.sentAt }
        let marks = PxContext.marks(automated: automated)
        var fields: [LuaValue: LuaValue] = [
            .text("message"): .encoded(LuaEncoded(message, adding: marks)),
            .text("messages"): .encoded(LuaEncoded(burst, adding: marks)),
            .text("conversation"): .encoded(LuaEncoded(conversation, adding: marks)),
            .text("answered"): .boolean(answered),
            .text("first"): .boolean(first),
            .text("age"): .number(age),
        ]
        if let client = conversation.client { fields[.text("client")] = .encoded(LuaEncoded(client)) }
        return .map(fields)
    }
}
