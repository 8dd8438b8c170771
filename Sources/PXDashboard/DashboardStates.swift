import Foundation
import PXRuntime
import PXState
import Synchronization

/// The states the dashboard shows, opened once and kept (a daemon may hold
/// them too: SQLite's WAL lets both read and write). A state that does not
/// exist yet is shown as such, never created from here.
final class DashboardStates: Sendable {
    let scripts: [Dashboard.Script]
    private let open = Mutex<[String: StateStore]>([:])

    init(scripts: [Dashboard.Script]) { self.scripts = scripts }

    /// The state of script `index`, nil while it has never run.
    func store(_ index: Int) throws -> StateStore? {
        guard scripts.indices.contains(index) else { return nil }
        let path = scripts[index].statePath
        if let known = open.withLock({ $0[path] }) { return known }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let store = try StateStore(path: path)
        return open.withLock { opened in
            if let raced = opened[path] { return raced }
            opened[path] = store
            return store
        }
    }

    /// The state holding request `id`, with its script's index.
    func holding(_ id: String) throws -> (Int, StateStore)? {
        for index in scripts.indices {
            if let store = try store(index), try store.approvals.find(id) != nil { return (index, store) }
        }
        return nil
    }
}
