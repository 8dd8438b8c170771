import Foundation
import LuaKit
import PixiesetModels
import PXState

extension PxContext {
    /// How often a handler waiting for a key looks again.
    static let holdPoll: Duration = .milliseconds(20)

    /// Makes `key` the run's own, waiting while another handler or process
    /// holds it (decision 0010). Waits at most the handler timeout: a key
    /// held longer belongs to a handler that is itself past its limit.
    func hold(_ key: String, for run: HandlerRun) async throws {
        let limit = Double(options.handlerTimeout.components.seconds)
        let deadline = Date().addingTimeInterval(limit + 60)
        let started = ContinuousClock.now
        while try !store.kept.takeHold(key, holder: run.holder, until: deadline) {
            try await waitOrGiveUp(key, since: started, limit: limit)
        }
    }

    /// Waits while a running handler holds `key` (a top-level `px.once` or
    /// `px.store` call, which takes effect at once and so holds nothing).
    func waitWhileHeld(_ key: String) async throws {
        let limit = Double(options.handlerTimeout.components.seconds)
        let started = ContinuousClock.now
        while try store.kept.isHeld(key) {
            try await waitOrGiveUp(key, since: started, limit: limit)
        }
    }

    private func waitOrGiveUp(_ key: String, since started: ContinuousClock.Instant, limit: Double) async throws {
        guard ContinuousClock.now - started < .seconds(clamping: limit) else {
            throw LuaScriptError("'\(key.drop { $0 != ":" }.dropFirst())' stayed held by another handler for \(DurationText.format(limit))")
        }
        try await Task.sleep(for: Self.holdPoll)
    }
}
