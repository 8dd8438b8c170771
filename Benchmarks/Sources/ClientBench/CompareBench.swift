import Foundation

/// `ClientBench --compare BEFORE AFTER [LABEL]`: issue 32's three figures for two pxscript
/// binaries (an earlier commit's and the tree's), measured in one run with their rounds
/// interleaved (before, after, before, …), so the machine's drift falls on both alike, and
/// printed side by side. Asserts nothing; `scripts/bench-compare` builds both binaries.
nonisolated func runComparison(before: String, after: String, label: String) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxcompare-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (noop, bulk) = try BenchScripts.write(in: folder)
    let binaries = [before, after]
    let lua = ["/usr/bin/lua5.4", "/usr/local/bin/lua5.4"].first { FileManager.default.isExecutableFile(atPath: $0) }

    // One studio for both: a sandbox process of its own (the tree's), like a real studio.
    try await withSandboxProcess(pxscriptPath: after, folder: folder) { baseURL, cookie in
        var environment = ProcessInfo.processInfo.environment
        environment["PIXIESET_COOKIE"] = cookie
        environment["PXSCRIPT_BASE_URL"] = baseURL
        environment["HOME"] = folder.path

        var start: [[Double]] = [[], []], luaTimes: [Double] = []
        var api: [[Double]] = [[], []], curl: [Double] = []
        for round in 0..<25 {
            for (index, binary) in binaries.enumerated() {
                let state = folder.appendingPathComponent("noop-\(index)-\(round).sqlite").path
                start[index].append(try measured(binary, ["run", noop, "--state", state], environment).seconds)
                api[index].append(try measured(binary, ["api", "GET", "/conversations/", "--base-url", baseURL], environment).seconds)
            }
            if let lua { luaTimes.append(try measured(lua, [noop], environment).seconds) }
            curl.append(try measured("/usr/bin/curl", ["-s", "-f", "-H", "Cookie: \(cookie)", baseURL + "/conversations/"], environment).seconds)
        }

        var bulkRatio: [[Double]] = [[], []]
        // Seven rounds: the bulk figure moves ±10 % from one round to the next on this machine.
        for round in 0..<7 {
            for (index, binary) in binaries.enumerated() {
                let (px, _, raw, _) = try await bulkRounds(
                    1, pxscriptPath: binary, script: bulk, folder: folder, tag: "c\(index)r\(round)", baseURL: baseURL, cookie: cookie,
                    environment: environment)
                bulkRatio[index].append(median(raw) / median(px))
            }
        }

        func cell(_ value: Double, _ format: String) -> String { String(format: format, value).padding(toLength: 14, withPad: " ", startingAt: 0) }
        print("issue 32's figures, \(label) and the tree side by side (25 rounds each, 7 for bulk; medians):")
        print("  " + "figure".padding(toLength: 46, withPad: " ", startingAt: 0) + label.prefix(13).padding(toLength: 14, withPad: " ", startingAt: 0)
              + "tree".padding(toLength: 14, withPad: " ", startingAt: 0) + "goal")
        func row(_ name: String, _ values: [Double], _ format: String, _ goal: String) {
            print("  " + name.padding(toLength: 46, withPad: " ", startingAt: 0) + cell(values[0], format) + cell(values[1], format) + goal)
        }
        row("pxscript run, a script with no API call", start.map { median($0) * 1e3 }, "%.1f ms", "≤ 10 ms")
        if let lua {
            let luaMedian = median(luaTimes)
            row("  the same, as a multiple of \(URL(fileURLWithPath: lua).lastPathComponent)", start.map { median($0) / luaMedian }, "%.1f×", "≤ 5×")
        }
        row("pxscript api GET /conversations/ vs curl", api.map { median($0) / median(curl) }, "%.2f×", "≤ 1.5×")
        row("bulk: 1,000 sends vs a plain loop", bulkRatio.map(median), "%.2f×", "≥ 0.9×")
    }
}
