import Foundation
import LuaKit
import PXState
import Synchronization

extension PxModule {
    /// `px.on("message", fn, { max_age =, debounce = })` and `event:reply` under
    /// `pxscript watch` (docs/spec.md §4, §6), and the schedules `every`, `cron`,
    /// `at`, `after`.
    static func installWatch(on lua: LuaState, context: PxContext) {
        lua.register("on", in: "px.__host") { args in
            let index = try args.integer(1)
            let event = try args.string(2)
            guard event == "message" else {
                throw LuaScriptError("bad argument #1 to 'on' (the event is \"message\", got \"\(event.prefix(40))\")")
            }
            let options = try OptionsTable(args, 3, known: PxOptionNames.handler)
            let maxAge = try options.duration("max_age") ?? 86_400
            let debounce = try options.duration("debounce") ?? 0
            guard debounce >= 0 else { throw LuaScriptError("bad argument #3 to 'on' (debounce must not be negative)") }
            // A conversation's messages are handed to the handlers together, so
            // they all wait for the same quiet period.
            if let other = context.watch.handlers.withLock({ $0.first }), other.debounce != debounce {
                throw LuaScriptError(
                    "bad argument #3 to 'on' (every message handler of a script waits for the same debounce: "
                        + "this one asks for \(DurationText.format(debounce)), the one at \(other.position) for \(DurationText.format(other.debounce)))")
            }
            context.watch.handlers.withLock {
                $0.append(MessageHandler(index: Int(index), maxAge: maxAge, debounce: debounce, position: args.position))
            }
            return []
        }
        lua.register("set_runner", in: "px.__host") { args in
            let runner = try args.function(1)
            context.watch.runner.withLock { $0 = runner }
            return []
        }
        lua.registerAsync("reply", in: "px.__host") { args in
            guard let run = HandlerRun.current else {
                throw LuaScriptError("event:reply belongs to a handler run")
            }
            let text = try args.string(2)
            let options = try OptionsTable(args, 3, known: PxOptionNames.send)
            let approve = try approval(options)
            guard run.takeReply() else {
                throw LuaScriptError("event:reply was already called for this message (one reply per event; use px.send for more)")
            }
            var request = SendRequest(
                conversationID: run.conversationID, content: text, attachments: try attachments(options), key: try options.string("key"),
                position: args.position)
            request.eventKey = run.sendKey(request)
            request.approve = approve
            let keyed = request
            return { do { return [try await context.send(keyed).luaValue] } catch { throw PxError.from(error) } }
        }
        for kind in ["every", "cron", "at", "after"] {
            lua.register(kind, in: "px.__host") { args in
                let index = try args.integer(1)
                let spec = try args.string(2)
                let options = try OptionsTable(args, 3, known: kind == "after" ? [] : PxOptionNames.schedule)
                let timing = try scheduleTiming(kind, spec, context: context)
                let id = try options.string("name").map { "name:" + $0 } ?? context.watch.schedules.withLock { list in
                    "\(kind):\(spec)#\(list.filter { $0.id.hasPrefix("\(kind):\(spec)#") }.count + 1)"
                }
                context.watch.schedules.withLock { list in
                    list.append(Schedule(id: id, timing: timing, index: Int(index), position: args.position))
                }
                return []
            }
        }
        lua.register("set_scheduled_runner", in: "px.__host") { args in
            let runner = try args.function(1)
            context.watch.scheduledRunner.withLock { $0 = runner }
            return []
        }
    }

    /// The timing of `px.every("15m")`, `px.cron("0 9 * * 1-5")`,
    /// `px.at("2026-12-01T09:00:00")` (local time, once ever) or `px.after("2h")`.
    static func scheduleTiming(_ kind: String, _ spec: String, context: PxContext) throws -> Schedule.Timing {
        func problem(_ text: String) -> LuaScriptError { LuaScriptError("bad argument #1 to '\(kind)' (\(text))") }
        switch kind {
        case "every":
            guard let seconds = DurationText.seconds(spec), seconds >= 1 else { throw problem("'\(spec)' is not a duration of 1s or more, like \"15m\"") }
            return .every(seconds)
        case "cron":
            do { return .cron(try CronSpec(parsing: spec)) } catch let error as CronSpec.Problem { throw problem(error.description) }
        case "at":
            if let local = LocalTime(parsing: spec) { return .at(local) }
            if let instant = ISOTime.parse(spec) { return .at(LocalTime(instant, in: context.options.timeZone)) }
            throw problem("'\(spec)' is not a time like \"2026-12-01T09:00:00\"")
        default:
            guard let seconds = DurationText.seconds(spec) else { throw problem("'\(spec)' is not a duration like \"2h\"") }
            return .after(context.clock.now().addingTimeInterval(seconds))
        }
    }

    /// Lua-side parts of watch: handlers kept in a table the host calls by
    /// index, and the event's `reply` method.
    static let watchPrelude = """

        local handlers = {}
        local event_meta = { __index = {
          reply = function(self, text, options) return host.reply(self, text, options) end,
        } }
        function px.on(event, fn, options)
          if type(fn) ~= "function" then
            error("bad argument #2 to 'on' (function expected, got " .. (fn == nil and "no value" or type(fn)) .. ")", 2)
          end
          handlers[#handlers + 1] = fn
          host.on(#handlers, event, options)
        end
        host.set_runner(function(index, event)
          return handlers[index](setmetatable(event, event_meta))
        end)

        local scheduled = {}
        for _, kind in ipairs({ "every", "cron", "at", "after" }) do
          px[kind] = function(spec, fn, options)
            if type(fn) ~= "function" then
              error("bad argument #2 to '" .. kind .. "' (function expected, got " .. (fn == nil and "no value" or type(fn)) .. ")", 2)
            end
            scheduled[#scheduled + 1] = fn
            host[kind](#scheduled, spec, options)
          end
        end
        host.set_scheduled_runner(function(index) return scheduled[index]() end)
        """
}
