import Foundation
import LuaKit
import PXState

extension PxModule {
    /// `px.time.now/parse/format`, `px.duration`, `px.hours` (its Swift half).
    static func installTime(on lua: LuaState, context: PxContext) {
        lua.register("now", in: "px.time") { _ in [.number(context.clock.now().timeIntervalSince1970)] }
        lua.register("parse", in: "px.time") { args in
            let text = try args.string(1)
            let options = try OptionsTable(args, 2, known: ["tz"])
            let zone = try timeZone(options.string("tz"), function: "parse", position: 2) ?? context.options.timeZone
            // A time without a zone is the script's wall time (docs/spec.md §4), as px.at reads it.
            guard let date = ISOTime.parse(text, zone: zone) else {
                throw LuaScriptError(
                    "bad argument #1 to 'parse' ('\(text.prefix(40))' is not an ISO 8601 time like 2025-08-07T10:30:00Z or 2026-12-24T17:00)")
            }
            return [.number(date.timeIntervalSince1970)]
        }
        lua.register("format", in: "px.time") { args in
            let seconds = try time(args, 1, function: "format")
            let pattern = try args.optionalString(2)
            let zone = try timeZone(args.optionalString(3), function: "format", position: 3) ?? context.options.timeZone
            let date = Date(timeIntervalSince1970: seconds)
            guard let pattern else { return [.text(ISOTime.format(date))] }
            do {
                return [.text(try TimeFormat.format(date, pattern, timeZone: zone))]
            } catch let problem as TimeFormat.Problem {
                throw LuaScriptError("bad argument #2 to 'format' (\(problem))")
            }
        }
        lua.register("duration", in: "px") { args in
            let text = try args.string(1)
            guard let seconds = DurationText.seconds(text) else {
                throw LuaScriptError("bad argument #1 to 'duration' ('\(text.prefix(40))' is not a duration like \"3d\", \"12h\", \"90m\" or \"1h30m\")")
            }
            return [.number(seconds)]
        }
        lua.register("hours", in: "px.__host") { args in
            let spec = try args.string(1)
            let options = try OptionsTable(args, 2, known: ["tz"])
            let zone = try timeZone(options.string("tz"), function: "hours", position: 2)
            do {
                _ = try OpeningHours(parsing: spec, timeZone: zone ?? context.options.timeZone)
            } catch {
                throw LuaScriptError("bad argument #1 to 'hours' (\(error))")
            }
            return [.text(spec), zone.map { .text($0.identifier) } ?? .nil]
        }
        func hours(_ args: LuaArguments) throws -> OpeningHours {
            let zone = try timeZone(args.optionalString(2), function: "hours", position: 2) ?? context.options.timeZone
            return try OpeningHours(parsing: args.string(1), timeZone: zone)
        }
        lua.register("contains", in: "px.__host") { args in
            let date = Date(timeIntervalSince1970: try time(args, 3, function: "contains", shown: 1))
            return [.boolean(try hours(args).contains(date))]
        }
        lua.register("next_open", in: "px.__host") { args in
            let date = Date(timeIntervalSince1970: try time(args, 3, function: "next_open", shown: 1))
            return [try hours(args).nextOpen(after: date).map { .number($0.timeIntervalSince1970) } ?? .nil]
        }
    }

    /// A time argument in Unix seconds, within years 1 to 9999: beyond,
    /// calendars mean nothing (and NaN or infinity would trap below).
    /// - Parameter shown: the position the script wrote it at (a method's argument follows its object).
    static func time(_ args: LuaArguments, _ position: Int, function: String, shown: Int? = nil) throws -> Double {
        let seconds = try args.number(position)
        guard seconds.isFinite, seconds >= -62_135_596_800, seconds <= 253_402_300_799 else {
            throw LuaScriptError("bad argument #\(shown ?? position) to '\(function)' (a time in seconds since 1970 expected, got \(seconds))")
        }
        return seconds
    }

    static func timeZone(_ name: String?, function: String, position: Int) throws -> TimeZone? {
        guard let name else { return nil }
        guard let zone = TimeZone(identifier: name) else {
            throw LuaScriptError("bad argument #\(position) to '\(function)' (unknown time zone '\(name.prefix(40))'; use a name like America/Toronto)")
        }
        return zone
    }
}
