import ArgumentParser
import Foundation
import PXRuntime
import PixiesetKit

/// `[SCRIPT | --state PATH]`: which state file `status`, `pause` and `resume` mean.
struct StateLocation: ParsableArguments {
    @Argument(help: "The script whose state to use.") var script: String?
    @Option(name: .customLong("state"), help: "The state file itself.") var statePath: String?
    @OptionGroup var api: APIOptions

    func validate() throws {
        if (script == nil) == (statePath == nil) { throw ValidationError("name a SCRIPT or give --state PATH (one of them)") }
    }

    /// The existing state file.
    /// - Throws: a `Failure` with exit 66 when there is none yet.
    func existingPath() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if statePath == nil, let script, !FileManager.default.fileExists(atPath: script) {
            throw Failure("\(script): no such file", code: Exit.missingFile)
        }
        let path: String
        if let statePath {
            path = statePath
        } else {
            let config = try ConfigFile.defaultPath(environment: environment).map { try ConfigFile.load(path: $0) } ?? ConfigFile()
            let base = try api.resolveBaseURL(environment: environment, config: config)
            path = StatePath.defaultPath(script: script ?? "", baseURL: base.description, environment: environment)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure("no state at \(path)" + (script.map { " (\($0) has not run against this account yet)" } ?? ""), code: Exit.missingFile)
        }
        return path
    }
}
