import Foundation
import LuaKit

extension PxModule {
    /// `px.store.get/set`, `px.once` (SPEC §4): durable per-script state.
    static func installState(on lua: LuaState, context: PxContext) {
        let store = context.store
        lua.register("get", in: "px.store") { args in
            let key = try args.string(1)
            do {
                // A handler sees its own writes before they are committed with its event.
                let pending = context.run(args.runTag)?.stored(forKey: key)
                guard let json = try pending ?? store.value(forKey: key) else { return [.nil] }
                return [try JSONBridge.decode(json)]
            } catch { throw PxError.from(error) }
        }
        lua.register("set", in: "px.store") { args in
            let key = try args.string(1)
            let value = args.value(2)
            do {
                let json = value == .nil ? nil : try JSONBridge.encode(value)
                if let run = context.run(args.runTag) {
                    run.store(json, forKey: key)
                } else {
                    try store.setValue(json, forKey: key)
                }
                return []
            } catch let problem as JSONBridge.Problem {
                throw LuaScriptError("bad argument #2 to 'set' (\(problem.description))")
            } catch { throw PxError.from(error) }
        }
        lua.register("once", in: "px") { args in
            let key = try args.string(1)
            let period: Double
            switch args.value(2) {
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
            let seconds = period.isInfinite ? 1e12 : period, now = context.clock.now()
            do {
                if let run = context.run(args.runTag) {
                    // Taken with the event's completion: a failed try does not consume it (SPEC §4).
                    if try store.onceActive(key, now: now) { return [.boolean(false)] }
                    return [.boolean(run.takeOnce(key, now: now.timeIntervalSince1970, period: seconds))]
                }
                return [.boolean(try store.once(key, period: seconds, now: now))]
            } catch { throw PxError.from(error) }
        }
    }
}
