import Foundation
import LuaKit
import PXNotify
import PXRuntime
import PXState

/// Notifications in a scenario: recorded, never delivered.
extension ScenarioWorld {
    /// `s:notifications([SCRIPT])`: what the script (or the daemon, about it) would have told
    /// the photographer, oldest first: `{ title, text, kind }` (kind: message, raised, cleared).
    func notifications(script: String?) throws -> LuaValue {
        guard let name = script ?? lastScript else { return .array([]) }
        let store = try StateStore(path: try statePath(name))
        defer { try? store.close() }
        return .array(try store.notices.recent(limit: 1_000).map { entry in
            .map([.text("title"): .text(entry.notice.title), .text("text"): .text(entry.notice.text), .text("kind"): .text(entry.notice.kind.rawValue)])
        })
    }
}
