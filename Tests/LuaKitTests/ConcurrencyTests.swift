import LuaKit
import Synchronization
import Testing

/// What watch does: one actor owns the state and handles many events at
/// once; each handler is a coroutine that waits on the host while the others
/// run. Actor methods are re-entrant at each `await`, so calls interleave.
actor HandlerHost {
    let lua: LuaState
    var handler: LuaReference?
    let waiting = WaitCounter()

    /// `gate`: a handler's first call (an id that is a multiple of 100) waits until that many calls
    /// wait at once, so a test of many waiting handlers never depends on how fast the machine is.
    init(limits: LuaLimits = LuaLimits(), script: String, gate: Int? = nil) throws {
        lua = try LuaState(limits: limits)
        var captured: LuaReference?
        lua.register("on") { args in
            captured = try args.function(1)
            return []
        }
        // Answers after `ms` milliseconds, counting how many calls wait at once.
        lua.registerAsync("fetch") { [waiting] args in
            let id = try args.integer(1)
            let ms = try args.integer(2)
            return {
                waiting.enter()
                defer { waiting.leave() }
                if let gate, id % 100 == 0 {
                    await waiting.reached(gate)
                } else {
                    try await Task.sleep(for: .milliseconds(ms))
                }
                return [.integer(id * 10)]
            }
        }
        lua.register("tag") { args in [.integer(args.runID)] }
        _ = try lua.run(script, chunkName: "handlers.lua")
        handler = captured
    }

    func handle(_ arguments: [LuaValue], timeout: Duration? = nil) async throws -> [LuaValue] {
        guard let handler else { throw LuaError.setup("no handler") }
        return try await lua.call(handler, with: arguments, timeout: timeout)
    }

    func mostWaitingAtOnce() -> Int { waiting.most }
    func run(_ source: String) throws -> [LuaValue] { try lua.run(source, chunkName: "after.lua") }
}

/// How many host calls wait at once, and the most there ever were.
final class WaitCounter: Sendable {
    private struct Counts {
        var now = 0, most = 0
        var gated: [CheckedContinuation<Void, Never>] = []
    }

    private let counts = Mutex(Counts())

    func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { counts.withLock { $0.now -= 1 } }
    var most: Int { counts.withLock { $0.most } }

    /// Returns once `count` calls wait at once (every call waiting here is let go then).
    func reached(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let released: [CheckedContinuation<Void, Never>] = counts.withLock { counts in
                counts.gated.append(continuation)
                guard counts.now >= count else { return [] }
                defer { counts.gated = [] }
                return counts.gated
            }
            for waiter in released { waiter.resume() }
        }
    }
}

@Suite("Many handlers waiting on one state at once")
struct ConcurrencyTests {
    /// Each handler keeps locals across three host calls that answer in an
    /// order unlike the order of the calls.
    static let script = """
        on(function(id, ms)
          local a = fetch(id, ms)
          local b = fetch(id + 1, 40 - ms)
          local c = fetch(id + 2, ms)
          return id, a + b + c
        end)
        """

    @Test("forty handlers wait at once and each gets its own answers")
    func routing() async throws {
        let host = try HandlerHost(script: Self.script, gate: 40)
        let results = try await withThrowingTaskGroup(of: [LuaValue].self) { group in
            for i in 0..<40 {
                group.addTask { try await host.handle([.integer(Int64(i * 100)), .integer(Int64(40 - i))]) }
            }
            return try await group.reduce(into: [:]) { $0[$1[0]] = $1[1] }
        }
        #expect(results.count == 40)
        for i in 0..<40 {
            let id = Int64(i * 100)
            #expect(results[.integer(id)] == .integer(id * 30 + 30), "handler \(i)")
        }
        // All forty were waiting on the host at once: their first calls were let go together.
        #expect(await host.mostWaitingAtOnce() == 40)
    }

    @Test("each handler has its own instruction budget; one that loops forever ends alone")
    func budgets() async throws {
        let host = try HandlerHost(limits: LuaLimits(maxInstructions: 300_000, maxMemory: 64 << 20), script: """
            on(function(id, spin)
              if spin < 0 then while true do fetch(id, 1) for _ = 1, 1000 do end end end
              -- about 150,000 instructions each, half the budget, split by host calls
              local n = 0
              for round = 1, 3 do
                for _ = 1, 16000 do n = n + 1 end
                fetch(id, spin)
              end
              return id, n
            end)
            """)
        let outcomes = await withTaskGroup(of: (Int, Result<[LuaValue], any Error>).self) { group in
            for i in 0..<8 {
                group.addTask {
                    do { return (i, .success(try await host.handle([.integer(Int64(i)), .integer(i == 3 ? -1 : 5)]))) }
                    catch { return (i, .failure(error)) }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for i in 0..<8 {
            switch outcomes[i] {
            case .success(let values):
                #expect(i != 3 && values == [.integer(Int64(i)), .integer(48000)], "handler \(i)")
            case .failure(let error):
                #expect(i == 3, "handler \(i): \(error)")
                guard case LuaError.limit(let message)? = error as? LuaError else { Issue.record("\(error)"); continue }
                #expect(message.contains("instruction limit"))
            case nil:
                Issue.record("handler \(i) has no outcome")
            }
        }
    }

    @Test("a handler out of time ends alone; the others finish")
    func timeouts() async throws {
        let host = try HandlerHost(script: Self.script)
        async let slow = Result { try await host.handle([.integer(1), .integer(5_000)], timeout: .milliseconds(150)) }
        // The fast one's limit is far away: on a machine starved by the rest of the suite its
        // 50 ms of waits have once taken 20 s, and what is tested is that the slow one ends alone.
        async let fast = host.handle([.integer(2), .integer(10)], timeout: .seconds(300))
        let quick = try await fast
        #expect(quick == [.integer(2), .integer(60 + 30)])
        guard case .failure(LuaError.limit(let message)) = await slow else { Issue.record("the slow handler did not time out"); return }
        #expect(message.contains("time limit"))
    }

    @Test("a host function tells which run called it by the run's id, across waits")
    func tags() async throws {
        let host = try HandlerHost(script: """
            on(function(ms)
              local a = tag()
              fetch(1, ms)
              local co = coroutine.wrap(function() fetch(2, ms) return tag() end)
              return a, co(), tag()
            end)
            """)
        async let first = host.handle([.integer(20)])
        async let second = host.handle([.integer(5)])
        let (a, b) = (try await first, try await second)
        // Each run keeps its own id across its waits (and inside a coroutine of its own); two runs differ.
        #expect(Set(a).count == 1 && Set(b).count == 1)
        #expect(a.first != b.first && a.first != .integer(0))
        let own = try await host.run("return tag()").first
        #expect(own != a.first && own != b.first)
    }

    @Test("the host can cancel a waiting handler; the state stays usable")
    func cancellation() async throws {
        let host = try HandlerHost(script: Self.script)
        let waiting = Task { try await host.handle([.integer(7), .integer(30_000)]) }
        let other = Task { try await host.handle([.integer(8), .integer(20)]) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        let error = await #expect(throws: LuaError.self) { try await waiting.value }
        guard case .cancelled(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("stopped by the host"))
        #expect(try await other.value == [.integer(8), .integer(80 + 90 + 100)])
        #expect(try await host.run("return 1 + 1") == [.integer(2)])
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
