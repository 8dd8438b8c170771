import Foundation
import LuaKit
import PXState

/// Which scripts `pxscript watch` runs: the files named, and for
/// a folder its `*.lua` files, except scenario files (`*_test.lua`) and the
/// modules another script of the folder `require`s.
public enum WatchScripts {
    /// - Throws: `RuntimeError.missingFile` for a path that does not exist,
    ///   `.usage` for a folder without scripts or a script named twice.
    public static func resolve(_ arguments: [String]) throws -> [String] {
        var scripts: [String] = []
        for argument in arguments {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                throw RuntimeError.missingFile("\(argument): no such file")
            }
            guard isFolder.boolValue else {
                scripts.append(argument)
                continue
            }
            let found = try inFolder(argument)
            guard !found.isEmpty else { throw RuntimeError.usage("\(argument) holds no script to watch (*.lua, except *_test.lua and modules)") }
            scripts += found
        }
        var seen = Set<String>()
        for script in scripts where !seen.insert(realPath(script)).inserted {
            throw RuntimeError.usage("\(script) is named twice; each script runs once in a daemon")
        }
        return scripts
    }

    /// A folder's scripts, by name.
    static func inFolder(_ folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let candidates = names.filter { $0.hasSuffix(".lua") && !$0.hasSuffix("_test.lua") && !$0.hasPrefix(".") }
            .map { (folder as NSString).appendingPathComponent($0) }
        let policy = try? FilePolicy(scriptFolder: folder)
        // A module is a file another script requires; a script that does not compile stays (its error is shown at load).
        var modules = Set<String>()
        for script in candidates {
            guard let policy, let files = try? ScriptCheck.inspect(scriptPath: script, policy: policy).files else { continue }
            for file in files.dropFirst() { modules.insert(realPath(file)) }
        }
        return candidates.filter { !modules.contains(realPath($0)) }
    }

    static func realPath(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path }
}
