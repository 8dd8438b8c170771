import AsyncHTTPClient
import Foundation
import NIOCore
import PixiesetKit
import PixiesetModels
import StudioSandbox

// Issue 3's targets, measured side by side in one run and reported as ratios:
//   1. PixiesetClient against a raw AsyncHTTPClient call on the same sandbox
//      endpoint (goal ≤ 1.1×), with and without decoding on both sides;
//   2. `pxscript api GET /conversations/` against `curl` (goal ≤ 3×).
// Batches alternate between the contenders so that drift in the machine's
// load hits both alike; medians of the batches are compared.

let arguments = CommandLine.arguments
// `ClientBench --lua` runs issue 4's figures alone (quick to iterate on).
if arguments.dropFirst().first == "--lua" {
    try await runLuaBenchmarks()
    exit(0)
}
// `ClientBench --watch PXSCRIPT` runs issue 6's figures alone (about a minute).
if arguments.dropFirst().first == "--watch", arguments.count > 2 {
    try await runWatchBenchmarks(pxscriptPath: arguments[2])
    exit(0)
}
// `ClientBench --days` runs issue 18's virtual-time figure alone.
if arguments.dropFirst().first == "--days" {
    try await runVirtualDaysBenchmark()
    try await runScenarioBenchmark()
    try await runReplayBenchmark()
    exit(0)
}
// `ClientBench --scenarios [N]` runs issue 19's figure alone.
if arguments.dropFirst().first == "--scenarios" {
    try await runScenarioBenchmark(count: arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100)
    exit(0)
}
// `ClientBench --replay [N]`: issue 19's replay figure alone, over scale:N.
if arguments.dropFirst().first == "--replay" {
    try await runReplayBenchmark(conversations: arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000)
    exit(0)
}
// `ClientBench --poller` runs issue 17's figures alone.
if arguments.dropFirst().first == "--poller" {
    try await runPollerBenchmarks()
    exit(0)
}
// `ClientBench --run PXSCRIPT` runs issue 5's figures alone.
if arguments.dropFirst().first == "--run", arguments.count > 2 {
    try await runScriptBenchmarks(pxscriptPath: arguments[2])
    exit(0)
}
// `ClientBench --state [ROUNDS]`: the outbox alone, no HTTP.
if arguments.dropFirst().first == "--state" {
    try await runStateBenchmark(rounds: arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5)
    exit(0)
}
// `ClientBench --compare BEFORE AFTER [LABEL]`: issue 32's figures for two binaries side by side.
if arguments.dropFirst().first == "--compare", arguments.count > 3 {
    try await runComparison(before: arguments[2], after: arguments[3], label: arguments.count > 4 ? arguments[4] : "before")
    exit(0)
}
// `ClientBench --raw BASE_URL`: the plain loop alone, against a sandbox already running.
if arguments.dropFirst().first == "--raw", arguments.count > 2 {
    try await runRawLoop(baseURL: arguments[2], rounds: arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5)
    exit(0)
}
let pxscriptPath = arguments.count > 1 ? arguments[1] : nil
let rounds = 15, perRound = 200, processRuns = 25

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func seconds(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func runProcess(_ path: String, _ args: [String], environment: [String: String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = args
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = ContinuousClock.now
    try process.run()
    process.waitUntilExit()
    let elapsed = ContinuousClock.now - start
    guard process.terminationStatus == 0 else { throw NSError(domain: "bench", code: Int(process.terminationStatus)) }
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func report(_ label: String, _ a: Double, _ b: Double, goal: Double) {
    let ratio = a / b
    print(String(format: "%-58@ %8.1f µs vs %8.1f µs   ratio %.2f× (goal ≤ %.1f×)", label as NSString, a * 1e6, b * 1e6, ratio, goal))
}

/// Everything runs off the main actor, as a service would.
nonisolated func runBenchmarks(pxscriptPath: String?) async throws {
var configuration = SandboxConfiguration()
configuration.seed = .demo
try await StudioSandbox.withRunning(configuration) { sandbox in
    let url = sandbox.baseURL + "/conversations/?page_size=25"
    let api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie)
    try await PixiesetClient.withClient(api) { client in
        try await HTTPClient.withHTTPClient { raw in
            let request = {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Cookie", value: sandbox.cookie)
                request.headers.add(name: "Accept", value: "application/json")
                return request
            }()
            func rawCall(decode: Bool) async throws {
                let response = try await raw.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 32 << 20)
                if decode { _ = try JSONDecoder().decode(ConversationPage.self, from: Data(body.readableBytesView)) }
            }
            let pixURL = api.baseURL.url(["conversations"], trailingSlash: true, query: [("page_size", "25")])
            // Warm both connection pools.
            for _ in 0..<200 {
                try await rawCall(decode: true)
                _ = try await client.conversations(pageSize: 25)
            }
            var clientPerform: [Double] = [], rawPlain: [Double] = [], clientTyped: [Double] = [], rawDecoded: [Double] = []
            for _ in 0..<rounds {
                clientPerform.append(try await seconds { for _ in 0..<perRound { _ = try await client.perform(.init(method: .GET, url: pixURL)) } } / Double(perRound))
                rawPlain.append(try await seconds { for _ in 0..<perRound { try await rawCall(decode: false) } } / Double(perRound))
                clientTyped.append(try await seconds { for _ in 0..<perRound { _ = try await client.conversations(pageSize: 25) } } / Double(perRound))
                rawDecoded.append(try await seconds { for _ in 0..<perRound { try await rawCall(decode: true) } } / Double(perRound))
            }
            print("GET /conversations/?page_size=25 on the sandbox, \(rounds)×\(perRound) sequential requests each, medians per request:")
            report("PixiesetClient.perform vs raw AsyncHTTPClient", median(clientPerform), median(rawPlain), goal: 1.1)
            report("PixiesetClient.conversations vs raw + JSONDecoder", median(clientTyped), median(rawDecoded), goal: 1.1)
        }
    }
    if let pxscriptPath {
        var environment = ProcessInfo.processInfo.environment
        environment["PIXIESET_COOKIE"] = sandbox.cookie
        var pxscriptTimes: [Double] = [], curlTimes: [Double] = []
        for _ in 0..<processRuns {
            pxscriptTimes.append(try runProcess(pxscriptPath, ["api", "GET", "/conversations/", "--base-url", sandbox.baseURL], environment: environment))
            curlTimes.append(try runProcess("/usr/bin/curl", ["-s", "-f", "-H", "Cookie: \(sandbox.cookie)", sandbox.baseURL + "/conversations/"], environment: environment))
        }
        print("Whole command, \(processRuns) runs each, median wall time:")
        report("pxscript api GET /conversations/ vs curl", median(pxscriptTimes), median(curlTimes), goal: 3)
    }
}
}

try await runBenchmarks(pxscriptPath: pxscriptPath)
if let pxscriptPath {
    print("pxscript run:")
    try await runScriptBenchmarks(pxscriptPath: pxscriptPath)
    print("pxscript watch:")
    try await runWatchBenchmarks(pxscriptPath: pxscriptPath)
    try await runVirtualDaysBenchmark()
    try await runScenarioBenchmark()
    try await runReplayBenchmark()
}
print("Poller:")
try await runPollerBenchmarks()
print("LuaKit:")
try await runLuaBenchmarks()
