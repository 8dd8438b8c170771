extension LuaState {
    /// Installs `require(name)`: a standard library's name (`"utf8"`,
    /// `"string"`, …) returns that library, as in stock Lua; `lib.util`
    /// loads `lib/util.lua` under the file policy, once; the module's result
    /// is cached like Lua's.
    ///
    /// `require` itself is Lua code, so a module's top level runs in Lua
    /// frames and may call async functions under `runAsync`. Only reading
    /// and compiling happen in Swift.
    public func enableRequire(_ policy: FilePolicy) throws {
        register("__pxscript_load_module") { args in
            let name = try args.string(1)
            guard !name.isEmpty, name.utf8.count <= 200,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }),
                  !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..")
            else {
                throw LuaScriptError("bad argument #1 to 'require' (module names are letters, digits, '_', '-' and '.', like lib.util)")
            }
            let path = name.split(separator: ".").joined(separator: "/") + ".lua"
            let source: [UInt8]
            do {
                source = try policy.read(path)
            } catch let error as FilePolicyError {
                throw LuaScriptError("module '\(name)' not found: \(error.description)")
            }
            return [.string(source), .text("@" + path)]
        }
        _ = try run("""
            local read_module, load, pcall, error, tostring = __pxscript_load_module, load, pcall, error, tostring
            __pxscript_load_module = nil
            -- The standard libraries the sandbox keeps, by their names, before any file (as stock Lua's
            -- package.loaded has them): `require "utf8"` is the library, not a utf8.lua beside the script.
            local loaded, loading = { _G = _G, string = string, table = table, math = math, utf8 = utf8, coroutine = coroutine, os = os }, {}
            function require(name)
              if loaded[name] ~= nil then return loaded[name] end
              if loading[name] then error("module '" .. tostring(name) .. "' requires itself (a loop of require calls)", 2) end
              loading[name] = true
              local source, chunkname = read_module(name)
              local chunk, problem = load(source, chunkname, "t")
              if not chunk then loading[name] = nil error(problem, 0) end
              local ok, result = pcall(chunk, name)
              loading[name] = nil
              if not ok then error(result, 0) end
              if result == nil then result = true end
              loaded[name] = result
              return result
            end
            """, chunkName: "=(require)")
    }
}
