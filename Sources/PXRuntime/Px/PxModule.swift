import LuaKit
import PXState

/// The `px` module of docs/spec.md §4, set up on a state. Each area lives in its
/// own file (`PxModule+Conversations.swift`, …); what is easier to say in
/// Lua (iterators, log formatting) is in `prelude`, a chunk named "=(px)"
/// whose frames errors pass over, so they name the script's line.
enum PxModule {
    static func install(on lua: LuaState, context: PxContext, runtime: some MapHost) throws {
        try lua.defineMetatable(PxError.metatable, source: PxError.metatableSource)
        installConversations(on: lua, context: context)
        // What a walk holds in the host is let go when its loop ends (`__close`) or its iterator is dropped (`__gc`).
        try lua.defineMetatable("pxscript.walk", source: """
            local close = px.__host.cursor_close
            local function finish(self) if self.id then close(self.id) self.id = nil end end
            return { __close = finish, __gc = finish }
            """)
        lua.registerMetatableSetter("walk_closer", in: "px.__host", metatable: "pxscript.walk")
        installMessages(on: lua, context: context)
        installTemplates(on: lua, context: context)
        installState(on: lua, context: context)
        installTime(on: lua, context: context)
        installValues(on: lua, context: context)
        installMap(on: lua, context: context, runtime: runtime)
        installNotify(on: lua, context: context)
        if context.options.watch { installWatch(on: lua, context: context) } else { installWatchOnly(on: lua) }
        try lua.enableRequire(context.policy)
        lua.allowEnvironment(Set(context.options.allowEnvironment), from: context.options.environment)
        _ = try lua.run(prelude + (context.options.watch ? watchPrelude : ""), chunkName: "=(px)")
        if let printer = context.options.printer { try redirectPrint(on: lua, to: printer) }
    }

    /// `px.on`, `every`, `cron`, `at`, `after` belong to `pxscript watch`; a
    /// one-off run says so rather than registering handlers that never run.
    /// `print` hands its line to `printer` instead of standard output (a scenario keeps it), formatted as Lua's own.
    static func redirectPrint(on lua: LuaState, to printer: @escaping @Sendable (String) -> Void) throws {
        lua.register("__pxscript_print") { args in
            printer(try args.string(1))
            return []
        }
        _ = try lua.run("""
            local emit = __pxscript_print
            __pxscript_print = nil
            function print(...)
              local parts = table.pack(...)
              for i = 1, parts.n do parts[i] = tostring(parts[i]) end
              emit(table.concat(parts, "\t", 1, parts.n))
            end
            """, chunkName: "=(px)")
    }

    static func installWatchOnly(on lua: LuaState) {
        for name in ["on", "every", "cron", "at", "after"] {
            lua.register(name, in: "px") { _ in
                throw LuaScriptError("px.\(name) registers work for `pxscript watch`; `pxscript run` runs the script once and would never call it")
            }
        }
    }

    /// Lua-side parts of px: iterators over host cursors and log formatting.
    /// Hidden helpers live in `px.__host` and are removed from view here.
    static let prelude = """
        local host = px.__host
        px.__host = nil
        local format, pcall, error, select, tostring = string.format, pcall, error, select, tostring

        -- A walk's cursor is the host's until the walk ends, the loop is left (the fourth value of a
        -- generic for is closed by `break` and errors too) or the iterator is collected: an iterator
        -- made and dropped in a loop holds nothing.
        local function walk(cursor)
          local closer = { id = cursor }
          host.walk_closer(closer)
          return function() local _ = closer return host.cursor_next(cursor) end, nil, nil, closer
        end

        function px.conversations.each(options) return walk(host.each(options)) end
        function px.conversations.awaiting(options) return walk(host.awaiting(options)) end

        px.log = {}
        for _, level in ipairs({ "debug", "info", "warn", "error" }) do
          px.log[level] = function(text, ...)
            if select("#", ...) > 0 then
              local ok, formatted = pcall(format, text, ...)
              if not ok then error("bad argument to 'log." .. level .. "' (" .. tostring(formatted) .. ")", 2) end
              text = formatted
            end
            host.log(level, text)
          end
        end

        local hours_methods = {
          contains = function(self, t) return host.contains(self.spec, self.tz, t) end,
          next_open = function(self, t) return host.next_open(self.spec, self.tz, t) end,
        }
        local hours_meta = { __index = hours_methods, __tostring = function(self) return "hours(" .. self.spec .. ")" end }
        function px.hours(spec, options)
          local checked, tz = host.hours(spec, options)
          return setmetatable({ spec = checked, tz = tz }, hours_meta)
        end
        """
}
