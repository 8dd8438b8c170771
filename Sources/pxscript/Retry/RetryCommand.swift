import ArgumentParser
import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState

/// `pxscript retry [SCRIPT…] [--state PATH] [ID…|--all]`: a handler
/// that failed on a client's message is parked after its tries; once the
/// script is fixed, this queues those messages again, and the next poll of
/// `watch` hands them to the script through the normal ledger, exactly once.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue parked messages again (a handler failed on them), for watch to handle once more.",
        discussion: """
            A handler that keeps failing on a message is parked: `pxscript status` lists it with its error. \
            Fix the script, then queue the message again; a running `watch` handles it within one poll \
            (it reloads the edited script first), or the next `watch` does when it starts. A send the \
            handler made before it failed is not made twice.
              pxscript retry autoreply.lua --all
              pxscript retry autoreply.lua msg_01HQ…
              pxscript retry --state ~/states/autoreply.sqlite --all
            """)

    @Argument(help: "The scripts whose parked messages to queue (or a folder of them), then the message ids (msg_…).")
    var words: [String] = []
    @Option(name: .customLong("state"), help: "The state file itself.") var statePath: String?
    @Flag(help: "Queue every parked message.") var all = false
    @OptionGroup var api: APIOptions

    func validate() throws {
        let ids = words.filter(Self.isMessageID)
        if ids.isEmpty && !all { throw ValidationError("name the parked messages (msg_… ids, from `pxscript status`) or give --all") }
        if !ids.isEmpty && all { throw ValidationError("give message ids or --all, not both") }
    }

    static func isMessageID(_ word: String) -> Bool { word.hasPrefix("msg_") && !FileManager.default.fileExists(atPath: word) }

    func run() async throws {
        try await withExitCodes {
            let ids = words.filter(Self.isMessageID)
            let scripts = words.filter { !Self.isMessageID($0) }
            let location: StateLocation
            do {
                location = try StateLocation.parse(scripts + (statePath.map { ["--state", $0] } ?? []) + (api.baseURL.map { ["--base-url", $0] } ?? []))
            } catch {
                throw Failure("name the script (or --state PATH) whose parked messages to queue: pxscript retry SCRIPT --all", code: Exit.usage)
            }
            let clock = try RuntimeClock(environment: ProcessInfo.processInfo.environment)
            var unknown = Set(ids), queuedAny = false
            for (script, path) in try location.existingPaths() {
                let store = try StateStore(path: path)
                defer { try? store.close() }
                // Journaled in the studio's time: this machine's plus the offset the last run measured.
                let (queued, _) = try await store.ledger.retryParked(all ? nil : ids, at: clock.now(recordedFor: store))
                unknown.subtract(queued.map(\.id))
                guard !queued.isEmpty else { continue }
                queuedAny = true
                let daemon = DaemonLock.holder(statePath: path)
                for event in queued { printNow("queued again: \(TerminalText.escaped(event.id)) in \(TerminalText.escaped(event.conversationID))") }
                printNow(daemon != nil
                    ? "the running daemon (\(daemon ?? "")) handles \(queued.count == 1 ? "it" : "them") within one poll"
                    : "no daemon runs on \(script ?? path): `pxscript watch \(script ?? "SCRIPT")` handles \(queued.count == 1 ? "it" : "them") when it starts")
            }
            if !unknown.isEmpty {
                throw Failure("not parked here: \(unknown.sorted().map { TerminalText.escaped(String($0.prefix(80))) }.joined(separator: ", ")) (`pxscript status` lists the parked messages)", code: Exit.usage)
            }
            if !queuedAny { printNow("nothing parked: nothing to retry") }
        }
    }
}
