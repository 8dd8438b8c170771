import ArgumentParser
import Foundation
import PXRuntime
import PXState

/// Where `approvals`, `approve` and `reject` look: the states of
/// the scripts named, `--state`, or every state under the default folder.
struct ApprovalStates: ParsableArguments {
    @Option(name: .customLong("state"), help: "A state file to look in (default: the scripts', or every state).") var statePath: String?
    @OptionGroup var api: APIOptions

    /// The state files to look in: `scripts`' states, `--state`, or every state of the default folder.
    func paths(scripts: [String]) throws -> [String] {
        if let statePath { return [statePath] }
        if !scripts.isEmpty {
            return try StateLocation.defaultPaths(of: scripts, api: api).map(\.path).filter { FileManager.default.fileExists(atPath: $0) }
        }
        let folder = StatePath.folder(environment: ProcessInfo.processInfo.environment)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // Every script's state: not the record of automated messages kept beside them.
        return names.filter { $0.hasSuffix(".sqlite") && $0 != AutomatedMessages.fileName }.sorted().map { folder + "/" + $0 }
    }

    /// The state that holds request `id` (ids are unique across states).
    func state(holding id: String, in paths: [String]) throws -> StateStore {
        for path in paths {
            let store = try StateStore(path: path)
            if try store.approvals.find(id) != nil { return store }
            try? store.close()
        }
        throw Failure("no approval request \(id.prefix(40)) (pxscript approvals lists them)", code: Exit.usage)
    }
}
