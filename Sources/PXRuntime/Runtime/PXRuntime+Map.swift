import Foundation
import Logging
import LuaKit
import PXState

extension PXRuntime: MapHost {}

extension PXRuntime {
    /// Runs `function` on every item, at most `concurrency` at once, each as
    /// its own coroutine on this actor, spending the budget of the run that
    /// called (`run`: one budget for the run, docs/spec.md §3). An item's error is
    /// collected (and logged); an error that must stop the run (a limit, the
    /// send cap, pause, an expired session) starts no new item, lets those
    /// under way finish, and is raised.
    func map(_ items: [LuaValue], with function: LuaReference, concurrency: Int, run: Int64, progress: Progress?) async throws
        -> ([LuaValue], [LuaValue: LuaValue])
    {
        defer { release(function) }
        var results = [LuaValue](repeating: .nil, count: items.count)
        var errors: [LuaValue: LuaValue] = [:]
        let fatal: LuaScriptError? = try await withThrowingTaskGroup(of: (Int, Result<[LuaValue], any Error>).self) { group in
            var next = 0
            var fatal: LuaScriptError?
            func start() {
                guard next < items.count, fatal == nil else { return }
                let index = next, item = items[index]
                next += 1
                group.addTask {
                    do { return (index, .success(try await self.call(function, with: [item, .integer(Int64(index + 1))], sharing: run))) }
                    catch { return (index, .failure(error)) }
                }
            }
            for _ in 0..<min(concurrency, items.count) { start() }
            while let (index, outcome) = try await group.next() {
                switch outcome {
                case .success(let values):
                    results[index] = values.first ?? .nil
                case .failure(let error):
                    let message = (error as? LuaError)?.message ?? "\(error)"
                    if let failure = error as? LuaError, case .limit = failure {
                        // A limit is the run's, not the item's: it ends the run, whatever catches px.map.
                        if fatal == nil { fatal = LuaScriptError(message) }
                        continue
                    }
                    if let failure = error as? LuaError, case .cancelled = failure { throw failure }
                    if let failure = error as? LuaError, let code = PxErrorCode(hostRaised: failure), code.stopsTheRun {
                        // No new item starts; those under way finish, so a send that
                        // already took its place under the cap is made, not left pending.
                        if fatal == nil { fatal = PxError.table(code: code, status: nil, message: failure.cause?.message ?? message) }
                        continue
                    }
                    // An item the studio failed (a read; a send is counted where it failed): the run did not
                    // do its job, and is tried again, whatever the script does with the errors.
                    if StudioTrouble.caused(error), let current = HandlerRun.current, current.tally.current.troubled == 0 {
                        current.tally.noteTroubledItem(index + 1, error)
                    }
                    errors[.integer(Int64(index + 1))] = .text(message)
                    context.logger.warning("px.map: item \(index + 1) failed: \(message)")
                }
                progress?.advance()
                start()
            }
            return fatal
        }
        progress?.finish()
        if let fatal { throw fatal }
        if !errors.isEmpty { context.logger.warning("px.map: \(errors.count) of \(items.count) items failed") }
        return (results, errors)
    }

    nonisolated func releaseLater(_ function: LuaReference) {
        Task { await self.release(function) }
    }
}
