import Foundation
import LuaKit
import PixiesetModels
import PXState

/// `pxscript check`: compiles a script and every module it requires, with
/// no network, and warns about `px.` names that do not exist and globals
/// that are used but never set (likely typos).
///
/// The global check reads tokens, not scopes: a name counts as defined if
/// the file declares or assigns it anywhere. It finds typos, not shadowing.
public enum ScriptCheck {
    /// Reads and checks the script at `scriptPath`.
    /// - Throws: `RuntimeError.missingFile`, `.compile`.
    public static func run(scriptPath: String, policy: FilePolicy) throws -> [String] {
        try inspect(scriptPath: scriptPath, policy: policy).warnings
    }

    /// Checks the script and tells which files it is made of: the script and
    /// the modules it requires (real paths), which watch's hot reload watches.
    public static func inspect(scriptPath: String, policy: FilePolicy) throws -> (warnings: [String], files: [String]) {
        guard let data = FileManager.default.contents(atPath: scriptPath) else {
            throw RuntimeError.missingFile("\(scriptPath): no such file")
        }
        guard let source = String(data: data, encoding: .utf8) else { throw RuntimeError.compile("\(scriptPath): not UTF-8 text") }
        return try check(source: source, chunkName: scriptPath, policy: policy)
    }

    /// Whether the script registers work for `pxscript watch` (`px.on`, `every`, `cron`, `at`, `after`):
    /// its dry run is a watch pass (the dashboard's plan), not a run.
    public static func registersHandlers(scriptPath: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: scriptPath), let source = String(data: data, encoding: .utf8) else {
            throw RuntimeError.missingFile("\(scriptPath): no such file")
        }
        let watchNames: Set<String> = ["px.on", "px.every", "px.cron", "px.at", "px.after"]
        return LuaTokens(source).dottedNames(from: "px").contains { watchNames.contains($0.0) }
    }

    /// - Returns: warnings, `file:line: message`, and the files read.
    /// - Throws: `RuntimeError.compile` for the first file that does not compile.
    static func check(source: String, chunkName: String, policy: FilePolicy) throws -> (warnings: [String], files: [String]) {
        let lua = try LuaState()
        var warnings: [String] = [], files = [chunkName]
        var pending = [(chunkName, source)], seen = Set<String>()
        while let (name, text) = pending.popLast() {
            guard seen.insert(name).inserted else { continue }
            do {
                try lua.compile(text, chunkName: name)
            } catch let error as LuaError {
                throw RuntimeError.compile(error.message)
            }
            let tokens = LuaTokens(text)
            // One file's findings in the order of its lines, as a reader goes through it.
            warnings += (unknownPxNames(tokens, file: name) + unknownOptions(tokens, file: name) + senderTypeComparisons(tokens, file: name)
                + undefinedGlobals(tokens, file: name)).enumerated().sorted { (Self.line(of: $0.element), $0.offset) < (Self.line(of: $1.element), $1.offset) }
                .map(\.element)
            for module in tokens.requiredModules {
                let path = module.split(separator: ".").joined(separator: "/") + ".lua"
                do {
                    let bytes = try policy.read(path)
                    pending.append((path, String(decoding: bytes, as: UTF8.self)))
                    files.append(try policy.readablePath(path))
                } catch {
                    throw RuntimeError.compile("\(name): module '\(module)' not found: \(error)")
                }
            }
        }
        return (warnings, files)
    }

    /// Every name under `px` a script may use (`types/px.lua` lists the same).
    public static let pxNames: Set<String> = [
        "px.conversations", "px.conversations.list", "px.conversations.each", "px.conversations.get", "px.conversations.awaiting",
        "px.unread", "px.messages", "px.messages.send", "px.send", "px.attachments", "px.attachments.upload", "px.on", "px.every",
        "px.cron", "px.at", "px.after", "px.sleep", "px.map", "px.template", "px.template.render", "px.template.file", "px.store",
        "px.store.get", "px.store.set", "px.once", "px.hours", "px.log", "px.log.debug", "px.log.info", "px.log.warn", "px.log.error",
        "px.json", "px.json.encode", "px.json.decode", "px.time", "px.time.now", "px.time.parse", "px.time.format", "px.duration",
        "px.args", "px.dry_run", "px.notify",
    ]

    /// The names scenario files (`*_test.lua`, `pxscript test`) have besides the scripts' own.
    public static let scenarioNames: Set<String> = ["px.test", "px.test.scenario"]

    static func unknownPxNames(_ tokens: LuaTokens, file: String) -> [String] {
        let known = file.hasSuffix("_test.lua") ? pxNames.union(scenarioNames) : pxNames
        return tokens.dottedNames(from: "px").compactMap { name, line in
            known.contains(name) || name.hasPrefix("px.args.") ? nil
                : "\(file):\(line): warning: unknown px name '\(name)'" + NearestName.hint(for: name, among: known.sorted())
        }
    }

    /// Options a px function refuses when called, found in the call's table literal
    /// (`awaiting{ olderthan = "3d" }` was "ok" before). Errors: the call would fail, every time.
    static func unknownOptions(_ tokens: LuaTokens, file: String) -> [String] {
        tokens.literalTables.flatMap { table -> [String] in
            guard let options = PxOptionNames.byFunction[table.function], options.position == table.position else { return [] }
            let shown = table.function.hasPrefix(":") ? "event\(table.function)" : table.function
            return table.keys.filter { !options.names.contains($0.name) }.map { key in
                "\(file):\(key.line): error: unknown option '\(key.name)' for \(shown)" + NearestName.hint(for: key.name, among: options.names.sorted())
                    + (options.names.isEmpty ? "; it takes none" : "; it takes \(options.names.sorted().joined(separator: ", "))")
            }
        }
    }

    /// `sender_type` is the API's raw word (`photographer`, `client`, `system`): a script comparing it
    /// with "studio" never matches; `from` is the field in the docs' words.
    static func senderTypeComparisons(_ tokens: LuaTokens, file: String) -> [String] {
        tokens.senderTypeComparisons.compactMap { value, line in
            guard !["client", "photographer", "system"].contains(value) else { return nil }
            return "\(file):\(line): warning: sender_type is never \"\(value.prefix(40))\" (the API says \"photographer\", \"client\" or \"system\"); "
                + "compare from instead: message.from == \"studio\", \"client\" or \"system\""
        }
    }

    /// The line number of a finding (`file:12: …`).
    static func line(of finding: String) -> Int {
        let parts = finding.split(separator: ":", maxSplits: 2)
        return parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    }

    /// Whether a finding of `check` is an error (the script would fail), not a warning.
    public static func isError(_ finding: String) -> Bool { finding.contains(": error: ") }

    static let knownGlobals: Set<String> = [
        "px", "assert", "error", "getmetatable", "ipairs", "load", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawlen",
        "rawset", "require", "select", "setmetatable", "tonumber", "tostring", "type", "xpcall", "_G", "_VERSION", "collectgarbage",
        "string", "table", "math", "utf8", "coroutine", "os", "_ENV",
    ]

    static func undefinedGlobals(_ tokens: LuaTokens, file: String) -> [String] {
        let defined = tokens.definedNames.union(knownGlobals)
        var reported = Set<String>()
        return tokens.usedNames.compactMap { name, line in
            guard !defined.contains(name), reported.insert(name).inserted else { return nil }
            return "\(file):\(line): warning: '\(name)' is used but never set (a typo, or a global from elsewhere?)"
        }
    }
}
