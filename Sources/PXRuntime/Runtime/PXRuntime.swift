import Foundation
import Logging
import LuaKit
import PixiesetKit
import PXState
import Synchronization

/// Runs one script with the px module (docs/spec.md §4): the place where LuaKit and
/// PixiesetKit meet.
///
/// An actor that owns its Lua state: Lua code only runs on its executor,
/// and while one coroutine waits for the API (a `px.map` item, say) the
/// actor runs the others (LuaKit's async calls are re-entrant at each
/// `await`).
public actor PXRuntime {
    let lua: LuaState
    let context: PxContext
    private var installed = false
    /// `px.after` schedules that ran (they live in memory only).
    var afterDone: Set<String> = []
    /// The next runs last written for `status`, by schedule.
    var notedNextRuns: [String: Date?] = [:]
    /// Schedules whose last run the studio's trouble failed: still due, tried again at `at` (`streak` tries in a row).
    var scheduleRetries: [String: (at: Date, streak: Int)] = [:]
    /// `--trigger` requests taken from the state that a local fault kept from running.
    private var keptTriggers: [String] = []

    func keepTriggers(_ names: [String]) { keptTriggers = names + keptTriggers }

    func takeKeptTriggers() -> [String] {
        defer { keptTriggers = [] }
        return keptTriggers
    }

    /// - Throws: `RuntimeError.state` when the Lua state cannot be made.
    public init(options: RuntimeOptions, client: PixiesetClient, store: StateStore, clock: RuntimeClock, logger: Logger) throws {
        do {
            context = try PxContext(options: options, client: client, store: store, clock: clock, logger: logger)
            lua = try LuaState(limits: options.limits)
        } catch {
            throw RuntimeError.state("cannot prepare the script: \(error)")
        }
    }

    /// What a finished run leaves for the command to print.
    public struct Summary: Sendable {
        /// The messages a dry run would send (empty otherwise).
        public let plan: [PlannedMessage]
        /// The script's return values, as text.
        public let results: [String]
        /// `sent 12, failed 3: first error …` when sends failed, even those the script caught:
        /// such a run did not do its job, and `pxscript run` ends non-zero with this line.
        public let sendFailures: String?
        /// What the run's sends came to, in one line (`sent 2, already sent 15`; `nothing sent`):
        /// on a terminal, `run` ends with it, so "nothing to do" is told from "did nothing".
        public let sends: String
    }

    /// Settles sends left pending by an interrupted run, then runs the script.
    /// - Throws: `RuntimeError` with the kind the exit code follows.
    public func run() async throws -> Summary {
        let source = try readScript()
        try install()
        try await context.reconcilePending()
        let outcome: Result<[LuaValue], LuaError>
        do {
            // `run` ends at its wall-clock limit (--timeout); a watched script's top level at the handler's.
            let watch = context.options.watch
            outcome = .success(try await lua.runAsync(
                source, chunkName: context.options.scriptPath, timeout: watch ? context.options.handlerTimeout : context.options.runTimeout,
                timeoutOption: watch ? "--handler-timeout" : "--timeout"))
        } catch let error as LuaError {
            outcome = .failure(error)
        }
        // The outcomes of the sends made go to disk before the run reports, even after an error
        // (a failure is logged where the outcome was queued).
        try? await context.store.flush()
        // The names of the clients it read, for `status` and the journal (a dry run's copy keeps them to itself).
        await context.flushNames()
        context.clock.report(to: context.store, logger: context.logger, recorded: nil)
        let values = try outcome.mapError(Self.runtimeError).get()
        return Summary(
            plan: context.plan.messages.withLock { $0 }, results: values.map(Self.describe),
            sendFailures: context.options.watch ? nil : context.tally.current.failureSummary, sends: context.tally.current.summary)
    }

    private func readScript() throws -> String {
        let path = context.options.scriptPath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileManager.default.fileExists(atPath: path)
                ? RuntimeError.usage("\(path): cannot be read") : RuntimeError.missingFile("\(path): no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RuntimeError.compile("\(path): not UTF-8 text (save the script as UTF-8)")
        }
        return text
    }

    private func install() throws {
        guard !installed else { return }
        installed = true
        do {
            try PxModule.install(on: lua, context: context, runtime: self)
        } catch let error as LuaError {
            throw RuntimeError.state("cannot set up the px module: \(error)")
        }
    }

    /// Calls a function of the script (a `px.map` item) as its own coroutine,
    /// spending the budget of run `sharing` (`LuaArguments.runID`). It serves
    /// the handler run that called `px.map` (a task group's children inherit
    /// it: without it a schedule's `px.map` under `watch` sent nothing), but its sends are keyed by their content within that run
    /// (`HandlerRun.itemSendKey`), never by an ordinal that the items'
    /// interleaving would make differ between tries.
    func call(_ function: LuaReference, with arguments: [LuaValue], sharing run: Int64) async throws -> [LuaValue] {
        try await HandlerRun.$inMapItem.withValue(true) { try await lua.call(function, with: arguments, sharing: run) }
    }

    func release(_ function: LuaReference) { lua.release(function) }

    static func runtimeError(_ error: LuaError) -> RuntimeError {
        switch error {
        case .syntax(let message): .compile(message)
        case .runtime(let message, let traceback, _): PxError.runtimeError(forUncaught: error, message: message, traceback: traceback)
        case .limit(let message), .cancelled(let message): .script(message: message, traceback: "")
        case .setup(let message): .state(message)
        }
    }

    static func describe(_ value: LuaValue) -> String {
        switch value {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .boolean(let flag): String(flag)
        case .nil: "nil"
        case .array, .map: (try? JSONBridge.encode(value)) ?? "table"
        case .opaque(let type): type
        case .encoded: describe(value.plain)
        }
    }
}
