import Foundation
import GRDB

/// `pxscript watch SCRIPT --trigger NAME` while a daemon runs on the state:
/// the request is written here, and the daemon runs the schedule within one poll.
extension StateStore {
    /// Asks the daemon on this state to run schedule `name` once.
    public func requestTrigger(_ name: String) throws {
        try pool.write { db in
            let names = Self.names(try Self.setting(db, .triggers)) + [name]
            try Self.setSetting(db, .triggers, String(decoding: try JSONEncoder().encode(names), as: UTF8.self))
        }
    }

    /// The triggers asked for since the last call, oldest first; they are cleared.
    package func takeTriggers() throws -> [String] {
        // A read every pass; a write only when there is something to take.
        guard try setting(.triggers) != nil else { return [] }
        return try pool.write { db in
            let names = Self.names(try Self.setting(db, .triggers))
            try Self.setSetting(db, .triggers, nil)
            return names
        }
    }

    private static func names(_ json: String?) -> [String] {
        json.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }
}
