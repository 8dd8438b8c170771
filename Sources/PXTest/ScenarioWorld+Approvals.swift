import Foundation
import LuaKit
import PXRuntime
import PXState

/// Approvals in a scenario: what waits, and the photographer's decision,
/// through the same code as `pxscript approvals`, `approve` and `reject`.
extension ScenarioWorld {
    /// `s:approvals([SCRIPT])`: the open requests, oldest first: `{ id, conversation, text, status }`.
    func approvals(script: String?) throws -> LuaValue {
        guard let name = script ?? lastScript else { return .array([]) }
        let store = try StateStore(path: try statePath(name))
        defer { try? store.close() }
        return .array(try store.approvals.list(in: [.pending, .approved]).map { approval in
            .map([
                .text("id"): .text(approval.id), .text("conversation"): .text(approval.conversationID), .text("text"): .text(approval.text),
                .text("status"): .text(approval.state.rawValue),
            ])
        })
    }

    /// `s:approve(ID [, TEXT])` and `s:reject(ID [, REASON])`. An approved request goes out at the
    /// watched daemon's next poll (`s:advance`), or at once when no daemon runs.
    func decide(_ id: String, approve: Bool, text: String?) async throws {
        guard let (name, path) = try states.first(where: { try Self.holds(id, $0.value) }) else {
            throw ScenarioError("no approval request \(id.prefix(40)) in this scenario")
        }
        let store = try StateStore(path: path)
        defer { try? store.close() }
        guard try await store.approvals.decide(id, approve: approve, edited: approve ? text : nil, reason: approve ? nil : text, at: clock.now()) else {
            throw ScenarioError("\(id) is \(try store.approvals.find(id)?.state.rawValue ?? "gone"): no longer waiting")
        }
        guard approve else { return }
        // Under s:watch the daemon sends it at its next poll, as it would in real time.
        guard daemon == nil else { return clock.noteChange() }
        let options = try runtimeOptions(name, arguments: [], watch: false)
        let runtime = try PXRuntime(options: options, client: client, store: store, clock: runtimeClock, logger: log.logger)
        _ = try await runtime.sendApproved(only: [id])
        await collect()
    }

    private static func holds(_ id: String, _ path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let store = try StateStore(path: path)
        defer { try? store.close() }
        return try store.approvals.find(id) != nil
    }
}
