import Foundation
import Testing
import TestSupport

/// The built `pxscript` binary, next to the test bundle.
let pxscriptBinary: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pxscript")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return Bundle.main.bundleURL.appendingPathComponent("pxscript")
}()

/// What a finished command did.
struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
    /// pxscript's own peak resident memory, in KiB (`measuredPxscript` only).
    var peakKilobytes = 0
}

/// The environment of a child: this process's, with `overrides` (a nil value removes a name).
func childEnvironment(_ overrides: [String: String?]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    for (name, value) in overrides { env[name] = value }
    return env
}

/// Starts `pxscript ARGS` without waiting (a daemon); output discarded unless `capture`.
func startPxscript(_ arguments: [String], environment: [String: String?], capture: Bool = false) throws -> Child {
    try Child(pxscriptBinary.path, arguments, environment: childEnvironment(environment), capture: capture)
}

/// Runs `pxscript ARGS` to completion (killed only if it hangs: `Patience`).
func pxscript(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
    let child = try Child(pxscriptBinary.path, arguments, environment: childEnvironment(environment))
    if !(await Patience.wait(every: .milliseconds(10)) { !child.isRunning }) { child.signal(SIGKILL) }
    let status = child.wait()
    return Outcome(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// Runs `pxscript ARGS` through a small launcher that reports pxscript's own peak resident memory.
/// A child forked straight from this test process reports this process's high-water mark instead
/// (Linux takes it over at exec), so it says nothing of pxscript when other tests made this one big.
func measuredPxscript(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
    let launcher = """
        import resource, subprocess, sys
        run = subprocess.run(sys.argv[1:], capture_output=True, timeout=\(Int(Patience.seconds)))
        sys.stdout.buffer.write(run.stdout)
        sys.stderr.buffer.write(run.stderr)
        sys.stderr.write("\\npeak-kib %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        sys.exit(run.returncode)
        """
    let child = try Child("/usr/bin/env", ["python3", "-c", launcher, pxscriptBinary.path] + arguments, environment: childEnvironment(environment))
    while child.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    let status = child.wait()
    var stderr = child.stderr
    var peak = 0
    if let range = stderr.range(of: "\npeak-kib ", options: .backwards) {
        peak = Int(stderr[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        stderr = String(stderr[..<range.lowerBound])
    }
    return Outcome(status: status, stdout: child.stdout, stderr: stderr, peakKilobytes: peak)
}

/// Runs a shell command line (a pipe into pxscript).
func shell(_ command: String, environment: [String: String]) async throws -> Outcome {
    let child = try Child("/bin/sh", ["-c", command], environment: childEnvironment(environment.mapValues { Optional($0) }))
    while child.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    let status = child.wait()
    return Outcome(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// A `pxscript sandbox serve` process for one test.
final class ServeProcess {
    let child: Child
    let port: Int
    let database: String
    /// The Cookie header it accepts (with an XSRF-TOKEN pair under the csrf quirk).
    let cookie: String

    init(arguments: [String] = [], environment: [String: String] = ["PXSCRIPT_NOW": "2026-03-01T09:00:00Z"]) async throws {
        let child = try startPxscript(["sandbox", "serve", "--port", "0"] + arguments, environment: environment, capture: true)
        self.child = child
        // The banner names the port and the database; it is printed once the server listens.
        var banner = ""
        _ = await Patience.wait {
            banner = child.stdout
            return banner.contains("database") || !child.isRunning
        }
        let portText = banner.split(separator: "\n").first { $0.contains("base URL") }?
            .split(separator: ":").last?.split(separator: "/").first
        port = Int(portText ?? "") ?? 0
        database = banner.split(separator: "\n").first { $0.contains("database") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        cookie = banner.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("cookie ") }
            .map { String($0.trimmingCharacters(in: .whitespaces).dropFirst(6)).trimmingCharacters(in: .whitespaces) } ?? "session_cookie=sandbox"
        try #require(port > 0, "serve printed: \(banner)")
    }

    /// Sends SIGTERM and waits; returns the exit status.
    func stop() async -> Int32 {
        child.signal(SIGTERM)
        while child.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return child.wait()
    }

    deinit { if child.isRunning { child.signal(SIGKILL) } }
}

/// Waits until `condition` holds, looking every 20 ms: a wait on an event, never a fixed pause,
/// bounded only against a hang (`Patience`). Records an issue naming `what` when it never does.
@discardableResult
func until(_ what: @autoclosure () -> String, _ condition: () throws -> Bool) async rethrows -> Bool {
    if try await Patience.wait(condition) { return true }
    Issue.record("waited \(Patience.seconds) s for \(what())")
    return false
}
