import Foundation
import GRDB
import PXState

extension StateStore {
    /// How the zone of a run was chosen.
    public enum ZoneChoice: Sendable {
        /// Named by `--tz`, `TZ` or the config file's `tz`.
        case named
        /// The machine's zone, nobody having named one.
        case machine
    }

    /// The zone this state counts its days in (docs/spec.md §5 send cap): recorded
    /// by the first run that writes the state (journaled); later runs count
    /// in it too, so `run --tz America/Toronto` and a plain `status` speak
    /// of the same day.
    ///
    /// - Parameters:
    ///   - zone: the zone this run would use.
    ///   - choice: whether someone named it; the machine's zone gives way to
    ///     the recorded one, a named one that differs is refused.
    ///   - change: `--change-tz`: count in `zone` from now on (journaled).
    /// - Returns: the zone to run in.
    /// - Throws: `RuntimeError.usage` when a named zone differs from the recorded one.
    public func settleZone(_ zone: TimeZone, choice: ZoneChoice, change: Bool, at: Date, origin: String? = nil) throws -> TimeZone {
        // The common case, the zone already recorded and the same, reads only (on the writer's
        // connection, which is open already: a run that reads nothing else opens no reader).
        let recorded = try pool.writeWithoutTransaction { db in try Settings.value(db, .zone) }
        if let recorded, recorded == zone.identifier, let stored = TimeZone(identifier: recorded) { return stored }
        return try pool.write { db in
            guard let recorded = try Settings.value(db, .zone), let stored = TimeZone(identifier: recorded) else {
                try Settings.set(db, .zone, zone.identifier)
                try Journal.append(db, at: at, kind: .zone, conversationID: nil, detail: "counts its days in \(zone.identifier)")
                return zone
            }
            guard stored.identifier != zone.identifier else { return stored }
            if change {
                try Settings.set(db, .zone, zone.identifier)
                try Journal.append(db, at: at, kind: .zone, conversationID: nil, detail: "from \(stored.identifier) to \(zone.identifier)")
                return zone
            }
            guard choice == .machine else {
                // Say where the other zone came from: a photographer who never typed it finds it.
                throw RuntimeError.usage(
                    "this state counts its days in \(stored.identifier), not \(zone.identifier)\(origin.map { " (\($0))" } ?? ""); "
                        + "to count in \(zone.identifier) from now on, run once with --tz \(zone.identifier) --change-tz"
                        + (origin == "--tz" ? "" : "; to keep \(stored.identifier), set tz = \"\(stored.identifier)\" in config.toml or give --tz \(stored.identifier)"))
            }
            return stored
        }
    }

    /// The recorded zone, if any (`status`, `pause` and `resume` count in it).
    public func recordedZone() throws -> TimeZone? {
        try settings.value(.zone).flatMap(TimeZone.init(identifier:))
    }
}
