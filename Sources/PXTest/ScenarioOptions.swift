import Foundation
import LuaKit
import PXRuntime

/// How `pxscript test` runs scenarios: what the command line said, and what
/// each scenario adds (`px.test.scenario(name, fn, { tz =, demo =, start = })`).
public struct ScenarioOptions: Sendable {
    /// The zone of times without one (`--tz`, else the machine's).
    public var zone: TimeZone
    /// Where a scenario starts when it says nothing (`s:at` moves it).
    public var start: String = "2026-01-05 09:00"
    public var maxSends = 200
    public var allowRead: [String] = []
    /// `--chaos N [--seed S]`: each scenario played N times with faults and daemon restarts.
    public var chaos: ChaosOptions?
    /// The seed of the play under way (set per play by the runner).
    var chaosSeed: UInt64?

    public init(zone: TimeZone) { self.zone = zone }

    /// A scenario's own options.
    struct PerScenario: Sendable {
        var zone: TimeZone?
        /// Start from the demo studio (15 clients, 40 conversations) instead of an empty one.
        var demo = false
        var start: String?

        init(_ value: LuaValue) throws {
            let fields = try Fields(value, function: "scenario", argument: 3)
            for key in fields.pairs.keys where !["tz", "demo", "start"].contains(key) {
                throw fields.problem(key, "unknown option (tz, demo, start)")
            }
            if let name = try fields.string("tz") {
                guard let zone = TimeZone(identifier: name) else { throw fields.problem("tz", "unknown time zone '\(name)'") }
                self.zone = zone
            }
            demo = try fields.bool("demo") ?? false
            start = try fields.string("start")
        }
    }
}
