import Foundation
import LuaKit
import Synchronization

extension PxModule {
    /// `px.on("message", fn, { max_age = })` and `event:reply` under
    /// `pxscript watch` (SPEC §4, §6). Schedules (`every`, `cron`, `at`,
    /// `after`) are not in this version of watch: they say so.
    static func installWatch(on lua: LuaState, context: PxContext) {
        lua.register("on", in: "px.__host") { args in
            let index = try args.integer(1)
            let event = try args.string(2)
            guard event == "message" else {
                throw LuaScriptError("bad argument #1 to 'on' (the event is \"message\", got \"\(event.prefix(40))\")")
            }
            let options = try OptionsTable(args, 3, known: ["max_age", "debounce"])
            let maxAge = try options.duration("max_age") ?? 86_400
            if let debounce = try options.duration("debounce"), debounce > 0 {
                throw LuaScriptError("bad argument #3 to 'on' (debounce is not supported by this version of pxscript watch; leave it out)")
            }
            context.handlers.withLock { $0.append(MessageHandler(index: Int(index), maxAge: maxAge, position: args.position)) }
            return []
        }
        lua.register("set_runner", in: "px.__host") { args in
            let runner = try args.function(1)
            context.runner.withLock { $0 = runner }
            return []
        }
        lua.registerAsync("reply", in: "px.__host") { args in
            guard let run = context.run(args.runTag) else {
                throw LuaScriptError("event:reply belongs to a handler run")
            }
            let text = try args.string(2)
            let options = try OptionsTable(args, 3, known: ["attachments", "key"])
            guard run.takeReply() else {
                throw LuaScriptError("event:reply was already called for this message (one reply per event; use px.send for more)")
            }
            var request = SendRequest(
                conversationID: run.conversationID, content: text, attachments: try attachments(options), key: try options.string("key"),
                position: args.position)
            request.eventKey = run.nextSendKey()
            let keyed = request
            return { do { return [try await context.send(keyed)] } catch { throw PxError.from(error) } }
        }
        for name in ["every", "cron", "at", "after"] {
            lua.register(name, in: "px") { _ in
                throw LuaScriptError("px.\(name): schedules are not supported by this version of pxscript watch yet (handlers with px.on are)")
            }
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
        """
}
