import Foundation

/// The state a `run` or `watch` works on: the real file, or for a dry run a
/// throw-away copy of it (a fresh state before the first run), so a dry
/// run neither changes nor creates the real one (docs/spec.md §4 "Dry run").
public struct WorkingState: Sendable {
    public let store: StateStore
    /// The scratch folder of a dry run, removed by `close`.
    private let scratch: String?

    public init(path: String, dryRun: Bool, busyTimeout: Double = StateStore.busyTimeout) throws {
        guard dryRun else {
            store = try StateStore(path: path, busyTimeout: busyTimeout)
            scratch = nil
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-dry-run-\(UUID().uuidString)").path
        scratch = folder
        if FileManager.default.fileExists(atPath: path) {
            let real = try StateStore(path: path, busyTimeout: busyTimeout)
            defer { try? real.close() }
            store = try real.copy(to: folder + "/state.sqlite")
        } else {
            let home = (path as NSString).deletingLastPathComponent
            store = try StateStore(path: folder + "/state.sqlite", home: home.isEmpty ? "." : home, busyTimeout: busyTimeout)
        }
    }

    public func close() {
        try? store.close()
        if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
    }
}
