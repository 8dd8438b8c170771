import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXConfig
import PXState

/// Deciding a request the one way every place decides (21):
/// `pxscript approve` and `reject`, and the dashboard. An approval is sent
/// by the daemon running on its state within one poll, or from here when
/// none runs, under the cap and zone recorded with the request.
public struct ApprovalDesk: Sendable {
    /// Resolved only when it sends (a daemon that sends needs no cookie from here).
    public let api: @Sendable () throws -> APIConfiguration
    public let config: ConfigFile
    public let clock: RuntimeClock
    public let logger: Logger
    public let environment: [String: String]

    public init(api: @escaping @Sendable () throws -> APIConfiguration, config: ConfigFile, clock: RuntimeClock, logger: Logger, environment: [String: String]) {
        self.api = api
        self.config = config
        self.clock = clock
        self.logger = logger
        self.environment = environment
    }

    /// What approving came to.
    public enum Approved: Sendable, Equatable {
        /// It was not waiting (decided before, withdrawn, expired): its state and why.
        case notWaiting(state: String, detail: String?)
        /// The daemon running on its state (this holder) sends it within one poll.
        case leftToDaemon(String)
        case sent(messageID: String)
        /// Approved, not sent yet: another process is sending it, or it waits for the cap or a resume.
        case waits
        /// Approved, then not sent: withdrawn when the conversation moved on, expired, or refused by the studio.
        case notSent(state: String, detail: String?)
        /// The edited text is one the studio would refuse (too long, empty): nothing was decided.
        case refusedEdit(String)
    }

    /// Approves `id` (with `edited` text, if given), then sends it unless a daemon will.
    /// An approved request not yet sent (its daemon or an earlier `approve` stopped first) is sent, still once.
    public func approve(_ id: String, in store: StateStore, edited: String? = nil) async throws -> Approved {
        guard let approval = try store.approvals.find(id) else { return .notWaiting(state: "gone", detail: nil) }
        // An edit the studio would refuse is refused here, before anything is decided or sent.
        if let edited, let problem = SendMessageRequest.contentProblem(edited) { return .refusedEdit(problem) }
        let unsent = approval.state == .approved
        guard try await store.approvals.decide(id, approve: true, edited: unsent ? nil : edited, at: clock.now(recordedFor: store)) || unsent else {
            let now = try store.approvals.find(id) ?? approval
            // Approved by another process meanwhile (a second `approve`, the dashboard): it is on its way.
            if now.state == .approved { return .waits }
            return .notWaiting(state: now.state.rawValue, detail: now.detail)
        }
        if let holder = DaemonLock.holder(statePath: store.path) { return .leftToDaemon(holder) }
        var api = try self.api()
        api.studioClock = clock.studio
        // The cap and zone recorded with the request (the run that asked), else the config's and the state's.
        let recorded = try store.recordedZone()
        let zone = approval.zone.flatMap(TimeZone.init(identifier:)) ?? recorded ?? .current
        var options = RuntimeOptions(
            scriptPath: approval.script, maxSends: approval.maxSends ?? config.maxSends ?? 200, timeZone: zone, environment: environment)
        options.allowRead = config.allowRead
        return try await PixiesetClient.withClient(api, logger: logger) { client in
            // The send pipeline alone: no script, no Lua state.
            let sender: PxContext
            do {
                sender = try PxContext(options: options, client: client, store: store, clock: clock, logger: logger)
            } catch {
                throw RuntimeError.state("cannot prepare the send: \(error)")
            }
            let pass: PxContext.ApprovedPass
            do {
                pass = try await sender.settleAndSendApproved(only: [id])
            } catch {
                // What was sent before the failure is recorded before the error goes up (an expired session is 77).
                try? await store.flush()
                throw error
            }
            // Recorded as sent here, before this process ends: no later command finds it half done.
            try await store.flush()
            let now = try store.approvals.find(id)
            // Sent here, or by another process meanwhile (a second `approve`): either way it went out, once.
            if now?.state == .sent, let message = now?.messageID { return pass.sent.isEmpty ? .notWaiting(state: "sent", detail: message) : .sent(messageID: message) }
            // The studio failed it: approved, not sent, and nothing here tries again (no daemon runs).
            if now?.state == .approved, let trouble = pass.studioTrouble[id] {
                return .notSent(
                    state: "approved",
                    detail: "the studio did not take it (\(trouble)); run `pxscript approve \(id)` again once it answers (a `pxscript watch` running on this state would send it by itself)")
            }
            if now?.state == .approved { return .waits }
            return .notSent(state: now?.state.rawValue ?? "gone", detail: now?.detail)
        }
    }

    /// Rejects `id` (never sent); false when it was no longer waiting.
    public func reject(_ id: String, in store: StateStore, reason: String?) async throws -> Bool {
        try await store.approvals.decide(id, approve: false, reason: reason, at: clock.now(recordedFor: store))
    }
}
