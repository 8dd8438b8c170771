import ArgumentParser
import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState

/// `pxscript reject ID… | --all [SCRIPT] [--reason TEXT]`.
struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject waiting messages: they are never sent.")

    @Argument(help: "Request ids (apr_…), or with --all the scripts whose requests to reject.") var items: [String] = []
    @Flag(help: "Reject every waiting request (of the scripts named, else of every state).") var all = false
    @Option(help: "Why, kept in the journal.") var reason: String?
    @OptionGroup var states: ApprovalStates

    func validate() throws {
        if !all && items.isEmpty { throw ValidationError("name the requests to reject (apr_…), or --all") }
    }

    func run() async throws {
        try await withExitCodes {
            let paths = try states.paths(scripts: all ? items : [])
            let clock = try RuntimeClock(environment: ProcessInfo.processInfo.environment)
            var chosen: [(store: StateStore, id: String)] = []
            if all {
                for path in paths { let store = try StateStore(path: path); chosen += try store.approvals.list(in: [.pending]).map { (store, $0.id) } }
            } else {
                for id in items { chosen.append((try states.state(holding: id, in: paths), id)) }
            }
            for (store, id) in chosen {
                let rejected = try await store.approvals.decide(id, approve: false, reason: reason, at: clock.now(recordedFor: store))
                printNow(rejected ? "\(id) rejected" : "\(id) is no longer waiting: not rejected")
            }
        }
    }
}
