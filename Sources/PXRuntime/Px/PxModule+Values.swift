import Foundation
import Logging
import LuaKit
import PixiesetModels
import PXState

extension PxModule {
    /// `px.json`, `px.log` (its Swift half), `px.sleep`, `px.args`, `px.dry_run`.
    static func installValues(on lua: LuaState, context: PxContext) {
        lua.register("encode", in: "px.json") { args in
            do { return [.text(try JSONBridge.encode(args.value(1)))] } catch let problem as JSONBridge.Problem {
                throw LuaScriptError("bad argument #1 to 'encode' (\(problem.description))")
            }
        }
        lua.register("decode", in: "px.json") { args in
            let text = try args.string(1)
            do {
                // The values built are a copy on the script's behalf: bounded by its memory cap.
                return [try JSONBridge.decode(text, maxBytes: args.memoryLimit)]
            } catch let problem as JSONBridge.Problem {
                throw LuaScriptError("bad argument #1 to 'decode' (\(problem.description))")
            } catch is JSONBridge.TooLarge {
                try args.exceedMemory(by: text.utf8.count)
            }
        }
        let logger = context.logger
        lua.register("log", in: "px.__host") { args in
            let level = try args.string(1)
            let text = try args.string(2)
            let position = args.position
            let metadata: Logger.Metadata = position.isEmpty ? [:] : ["at": "\(position)"]
            switch level {
            case "debug": logger.debug("\(text)", metadata: metadata)
            case "warn": logger.warning("\(text)", metadata: metadata)
            case "error": logger.error("\(text)", metadata: metadata)
            default: logger.info("\(text)", metadata: metadata)
            }
            return []
        }
        lua.registerAsync("sleep", in: "px") { args in
            let seconds = try args.number(1)
            // A year bounds it: past that a number is a mistake, and it must never reach Duration unchecked.
            guard seconds >= 0, seconds <= 31_536_000 else {
                throw LuaScriptError("bad argument #1 to 'sleep' (seconds from 0 to 31536000 expected, got \(seconds))")
            }
            // A dry run plans; it does not wait.
            if context.options.dryRun { return { [] } }
            // On a virtual clock (tests) the wait is the clock's: time moves on, the run goes on at once.
            if let virtual = context.clock.virtual {
                virtual.set(max(virtual.now(), virtual.now().addingTimeInterval(seconds)))
                return { [] }
            }
            // Never past the run's wall-clock limit: a sleep it cuts short wakes just after it,
            // and a run whose deadline passed while it waited is not resumed (LuaState+Coroutines).
            let wait = min(seconds, (args.secondsToDeadline ?? seconds) + 0.01)
            return {
                try await Task.sleep(for: .seconds(clamping: wait))
                return []
            }
        }
        lua.setValue(.array(context.options.arguments.map { .text($0) }), named: "args", in: "px")
        lua.setValue(.boolean(context.options.dryRun), named: "dry_run", in: "px")
    }
}
