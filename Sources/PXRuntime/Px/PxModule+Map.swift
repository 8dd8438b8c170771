import Foundation
import Logging
import LuaKit
import PXState

/// What `px.map` asks of the runtime that runs the script: to call one of its functions on every
/// item, many at once, under the budget of the run that called (`PXRuntime` does).
protocol MapHost: Sendable {
    func map(_ items: [LuaValue], with function: LuaReference, concurrency: Int, run: Int64, progress: Progress?) async throws
        -> ([LuaValue], [LuaValue: LuaValue])
    /// Lets go of a function the script handed over, once the state is free.
    func releaseLater(_ function: LuaReference)
}

extension PxModule {
    /// `px.map(list, fn, { concurrency = 4 })`: bulk work, items in parallel
    /// up to the limit, results in input order, per-item errors collected.
    static func installMap(on lua: LuaState, context: PxContext, runtime: some MapHost) {
        lua.registerAsync("map", in: "px") { args in
            let items: [LuaValue]
            switch try args.value(1) {
            case .array(let list): items = list
            case .map(let pairs) where pairs.isEmpty: items = []
            case .map: throw LuaScriptError("bad argument #1 to 'map' (a list expected: a table with keys 1, 2, 3, …)")
            default: throw args.typeError(1, expected: "table")
            }
            let function = try args.function(2)
            let options = try OptionsTable(args, 3, known: ["concurrency"])
            let concurrency = try options.integer("concurrency") ?? 4
            guard (1...64).contains(concurrency) else {
                runtime.releaseLater(function)
                throw LuaScriptError("bad argument #3 to 'map' (concurrency must be between 1 and 64)")
            }
            let progress = context.options.showsProgress ? Progress(total: items.count) : nil
            let run = args.runID
            return {
                let (results, errors) = try await runtime.map(items, with: function, concurrency: concurrency, run: run, progress: progress)
                return [.array(results), .map(errors)]
            }
        }
    }
}
