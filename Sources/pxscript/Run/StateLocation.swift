import ArgumentParser
import Foundation
import PixiesetKit
import PXConfig
import PXRuntime
import PXState

/// `[SCRIPT | --state PATH]`: which state file `status`, `pause` and `resume` mean.
struct StateLocation: ParsableArguments {
    @Argument(help: "The scripts whose state to use (or a folder of them, as for watch).") var scripts: [String] = []
    @Option(name: .customLong("state"), help: "The state file itself.") var statePath: String?
    @OptionGroup var api: APIOptions

    func validate() throws {
        if scripts.isEmpty == (statePath == nil) { throw ValidationError("name a SCRIPT (or several) or give --state PATH (one of them)") }
    }

    /// The existing state files, one per script (a folder stands for its scripts, as for `watch`).
    /// With several scripts, those without a state yet are left out (`missing`); with one, it is an error.
    /// - Throws: a `Failure` with exit 66 when the one named, or every one, has none yet.
    func existingPaths() throws -> [(script: String?, path: String)] {
        try paths().existing
    }

    /// The state files, and the scripts among several that have none yet.
    func paths() throws -> (existing: [(script: String?, path: String)], missing: [String]) {
        if let statePath { return ([(nil, try existing(statePath, script: nil))], []) }
        for script in scripts where !FileManager.default.fileExists(atPath: script) {
            throw Failure("\(script): no such file", code: Exit.missingFile)
        }
        let all = try Self.defaultPaths(of: scripts, api: api)
        let found = all.filter { FileManager.default.fileExists(atPath: $0.1) }
        guard all.count > 1, !found.isEmpty else { return (try all.map { ($0.0, try existing($0.1, script: $0.0)) }, []) }
        return (found.map { ($0.0, $0.1) }, all.filter { !FileManager.default.fileExists(atPath: $0.1) }.map(\.0))
    }

    /// Each script's default state path for the current account (a folder stands for its scripts, as for `watch`).
    static func defaultPaths(of scripts: [String], api: APIOptions) throws -> [(script: String, path: String)] {
        let environment = ProcessInfo.processInfo.environment
        let config = try ConfigFile.defaultPath(environment: environment).map { try ConfigFile.load(path: $0) } ?? ConfigFile()
        let base = try api.resolveBaseURL(environment: environment, config: config)
        return try WatchScripts.resolve(scripts).map { ($0, StatePath.defaultPath(script: $0, baseURL: base.description, environment: environment)) }
    }

    private func existing(_ path: String, script: String?) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure("no state at \(path)" + (script.map { " (\($0) has not run against this account yet)" } ?? ""), code: Exit.missingFile)
        }
        return path
    }
}
