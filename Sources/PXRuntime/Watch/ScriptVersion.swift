import Foundation
import Logging
import LuaKit
import PXState

/// Hot reload (docs/spec.md §6): the script and the modules it requires, by
/// modification time (a few `stat` calls per poll); a change is compiled
/// and checked before it is used.
struct ScriptVersion: Sendable {
    let script: String
    let policy: FilePolicy?
    /// The files of the version in use, and when each was last modified.
    var stamp: [String: Date]

    init(script: String) {
        self.script = script
        let folder = (script as NSString).deletingLastPathComponent
        policy = try? FilePolicy(scriptFolder: folder.isEmpty ? "." : folder)
        let files = policy.flatMap { try? ScriptCheck.inspect(scriptPath: script, policy: $0).files } ?? [script]
        stamp = Self.stamp(files)
    }

    static func stamp(_ files: [String]) -> [String: Date] {
        Dictionary(files.map { ($0, (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// What an edit came to.
    enum Change: Equatable {
        case none
        /// It compiles: load it.
        case valid
        /// It does not compile (the error's text): the old version keeps running.
        case invalid(String)
    }

    /// Whether a file of the version in use changed, and whether the new version compiles;
    /// a change that does not compile is logged once and the old version keeps running.
    /// Forgets the version seen, so the next look reports the script changed again: a load that
    /// met a local fault is tried again at the next reload.
    mutating func forget() { stamp = [:] }

    mutating func change(logger: Logger) -> Change {
        let now = Self.stamp(Array(stamp.keys))
        guard now != stamp, let policy else { return .none }
        stamp = now
        do {
            // The new version may require other modules: watch those from now on.
            stamp = Self.stamp(try ScriptCheck.inspect(scriptPath: script, policy: policy).files)
            return .valid
        } catch {
            logger.error("\(script) changed but does not compile; the running version stays: \(error)")
            return .invalid("\(error)")
        }
    }
}
