import AsyncHTTPClient
import Foundation
import NIOCore
import PixiesetModels
import StudioSandbox

/// Issue 5's figures: `pxscript run` start-up against `lua5.4`, and a bulk
/// run of 1,000 sends through `px.map` against a plain AsyncHTTPClient loop
/// with the same concurrency, on the same sandbox, in one run.
nonisolated func runScriptBenchmarks(pxscriptPath: String) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxbench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let noop = folder.appendingPathComponent("noop.lua").path
    try "local s = 0 for i = 1, 1000 do s = s + i end return s\n".write(toFile: noop, atomically: true, encoding: .utf8)
    let bulk = folder.appendingPathComponent("bulk.lua").path
    try """
        local ids = {}
        for c in px.conversations.each{} do ids[#ids + 1] = c.id end
        local items = {}
        for i = 1, 1000 do items[i] = i end
        local _, errors = px.map(items, function(i)
          px.send(ids[i % #ids + 1], "bulk " .. px.args[1] .. " " .. i)
        end, { concurrency = 8 })
        assert(next(errors) == nil, "a send failed")
        """.write(toFile: bulk, atomically: true, encoding: .utf8)

    var configuration = SandboxConfiguration()
    configuration.seed = .demo
    try await StudioSandbox.withRunning(configuration) { sandbox in
        var environment = ProcessInfo.processInfo.environment
        environment["PIXIESET_COOKIE"] = sandbox.cookie
        environment["PXSCRIPT_BASE_URL"] = sandbox.baseURL
        environment["HOME"] = folder.path

        let lua = ["/usr/bin/lua5.4", "/usr/local/bin/lua5.4"].first { FileManager.default.isExecutableFile(atPath: $0) }
        var runTimes: [Double] = [], luaTimes: [Double] = []
        for round in 0..<25 {
            runTimes.append(try measured(pxscriptPath, ["run", noop, "--state", folder.appendingPathComponent("noop-\(round).sqlite").path], environment).seconds)
            if let lua { luaTimes.append(try measured(lua, [noop], environment).seconds) }
        }
        print("pxscript run of a script that makes no API call, 25 runs, median wall time:")
        if let lua {
            print(String(format: "  pxscript run %.1f ms vs %@ %.1f ms: ratio %.1f× (goal: pxscript ≤ 25 ms)",
                         median(runTimes) * 1e3, lua as NSString, median(luaTimes) * 1e3, median(runTimes) / median(luaTimes)))
        } else {
            print(String(format: "  pxscript run %.1f ms (lua5.4 is not installed: apt-get install lua5.4 for the ratio; goal ≤ 25 ms)", median(runTimes) * 1e3))
        }

        // The same 1,000 POSTs, 8 at a time, from a plain client.
        var pxTimes: [Double] = [], rawTimes: [Double] = [], peaks: [Int] = []
        try await HTTPClient.withHTTPClient { client in
            var list = HTTPClientRequest(url: sandbox.baseURL + "/conversations/?page_size=100")
            list.headers.add(name: "Cookie", value: sandbox.cookie)
            let page = try await client.execute(list, timeout: .seconds(30)).body.collect(upTo: 32 << 20)
            let targets = try JSONDecoder().decode(ConversationPage.self, from: Data(page.readableBytesView)).data.map(\.id)
            for round in 0..<3 {
                let run = try measured(pxscriptPath, ["run", bulk, "--state", folder.appendingPathComponent("bulk-\(round).sqlite").path, "--max-sends", "5000", "--quiet", "--", "r\(round)"], environment)
                pxTimes.append(run.seconds)
                peaks.append(run.maxRSSKiB)
                rawTimes.append(try await seconds {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for worker in 0..<8 {
                            group.addTask {
                                var i = worker
                                while i < 1000 {
                                    var request = HTTPClientRequest(url: sandbox.baseURL + "/conversation_messages")
                                    request.method = .POST
                                    request.headers.add(name: "Cookie", value: sandbox.cookie)
                                    request.headers.add(name: "Content-Type", value: "application/json")
                                    let body = #"{"conversation_id":"\#(targets[i % targets.count])","content":"raw \#(round) \#(i)"}"#
                                    request.body = .bytes(ByteBuffer(string: body))
                                    let response = try await client.execute(request, timeout: .seconds(30))
                                    _ = try await response.body.collect(upTo: 1 << 20)
                                    guard response.status.code == 201 || response.status.code == 200 else { throw NSError(domain: "bench", code: Int(response.status.code)) }
                                    i += 8
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                })
            }
        }
        let pxRate = 1000 / median(pxTimes), rawRate = 1000 / median(rawTimes)
        print("1,000 sends at concurrency 8 on the sandbox, 3 rounds each, medians:")
        print(String(format: "  pxscript run + px.map %.0f sends/s (%.2f s, start-up and state writes included) vs AsyncHTTPClient loop %.0f sends/s: %.2f× (goal ≥ 0.8×)",
                     pxRate, median(pxTimes), rawRate, pxRate / rawRate))
        print(String(format: "  peak memory of the pxscript bulk run: %.1f MiB (max of 3; goal ≤ 60 MiB)", Double(peaks.max() ?? 0) / 1024))
    }
}

/// Runs a command to its end; its wall time and peak resident memory (wait4's rusage).
func measured(_ path: String, _ arguments: [String], _ environment: [String: String]) throws -> (seconds: Double, maxRSSKiB: Int) {
    var pid: pid_t = 0
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = ContinuousClock.now
    guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else { throw NSError(domain: "bench: cannot start \(path)", code: 1) }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let elapsed = ContinuousClock.now - start
    guard status == 0 else { throw NSError(domain: "bench: \(path) \(arguments.joined(separator: " ")) exited \(status)", code: Int(status)) }
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, Int(usage.ru_maxrss))
}
