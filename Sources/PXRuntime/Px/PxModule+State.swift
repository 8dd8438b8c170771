import Foundation
import LuaKit
import PXState

extension PxModule {
    /// `px.store.get/set`, `px.once` (docs/spec.md §4): durable per-script state.
    static func installState(on lua: LuaState, context: PxContext) {
        let store = context.store
        // Inside a handler a key it touches is its own until it completes, so
        // a read-modify-write never interleaves with another handler's (decision 0010).
        lua.registerAsync("get", in: "px.store") { args in
            let key = try args.string(1)
            let run = HandlerRun.current
            return {
                do {
                    if let run { try await context.hold("store:" + key, for: run) } else { try await context.waitWhileHeld("store:" + key) }
                    // A handler sees its own writes before they are committed with its event.
                    guard let json = try run?.stored(forKey: key) ?? store.kept.value(forKey: key) else { return [.nil] }
                    return [try JSONBridge.decode(json)]
                } catch let failure as LuaScriptError { throw failure } catch { throw PxError.from(error) }
            }
        }
        lua.registerAsync("set", in: "px.store") { args in
            let key = try args.string(1)
            let value = try args.value(2)
            let json: String?
            do {
                json = value == .nil ? nil : try JSONBridge.encode(value)
            } catch let problem as JSONBridge.Problem {
                throw LuaScriptError("bad argument #2 to 'set' (\(problem.description))")
            }
            let run = HandlerRun.current
            return {
                do {
                    if let run {
                        try await context.hold("store:" + key, for: run)
                        run.store(json, forKey: key)
                    } else {
                        try await context.waitWhileHeld("store:" + key)
                        try store.kept.setValue(json, forKey: key)
                    }
                    return []
                } catch let failure as LuaScriptError { throw failure } catch { throw PxError.from(error) }
            }
        }
        lua.registerAsync("once", in: "px") { args in
            let key = try args.string(1)
            let period: Double
            switch try args.value(2) {
            case .integer(let seconds) where seconds >= 0: period = Double(seconds)
            case .number(let seconds) where seconds >= 0: period = seconds
            case .string(let bytes):
                guard let seconds = DurationText.seconds(String(decoding: bytes, as: UTF8.self)) else {
                    throw LuaScriptError("bad argument #2 to 'once' (not a duration like \"7d\", \"12h\" or \"90m\")")
                }
                period = seconds
            case .nil: period = .infinity
            default: throw args.typeError(2, expected: "duration")
            }
            let seconds = period.isInfinite ? 1e12 : period
            let run = HandlerRun.current
            return {
                do {
                    if let run {
                        // Held until the run completes: another handler asking waits, then sees it taken,
                        // or free if this run failed (docs/spec.md §4: a failed try consumes nothing).
                        try await context.hold("once:" + key, for: run)
                        let now = context.clock.now()
                        if try store.kept.onceActive(key, now: now) { return [.boolean(false)] }
                        return [.boolean(run.takeOnce(key, now: now.timeIntervalSince1970, period: seconds))]
                    }
                    try await context.waitWhileHeld("once:" + key)
                    return [.boolean(try store.kept.once(key, period: seconds, now: context.clock.now()))]
                } catch let failure as LuaScriptError { throw failure } catch { throw PxError.from(error) }
            }
        }
    }
}
