import Foundation
import Synchronization
import Testing

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
}

/// Runs `pxscript ARGS` to completion (killed after `timeout` seconds).
/// Starts `process`, one launch at a time: Foundation's `Process.run` on
/// Linux is not safe when several tests launch processes at once (a crash
/// inside it was seen in CI with the suites running in parallel).
func launch(_ process: Process) throws {
    try launching.withLock { _ in try process.run() }
}

private let launching = Mutex(())

func pxscript(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) async throws -> Outcome {
    let process = Process()
    process.executableURL = pxscriptBinary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try launch(process)
    let deadline = Date().addingTimeInterval(timeout)
    async let stdout = Task.detachedRead(out.fileHandleForReading)
    async let stderr = Task.detachedRead(err.fileHandleForReading)
    while process.isRunning {
        if Date() > deadline { process.terminate() }
        try await Task.sleep(for: .milliseconds(20))
    }
    return Outcome(status: process.terminationStatus, stdout: await stdout, stderr: await stderr)
}

extension Task where Success == String, Failure == Never {
    /// Reads a pipe to its end without blocking the caller's executor.
    static func detachedRead(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
            }
        }
    }
}

/// A `pxscript sandbox serve` process for one test.
final class ServeProcess {
    let process = Process()
    let port: Int
    let database: String

    init(arguments: [String] = [], environment: [String: String] = ["PXSCRIPT_NOW": "2026-03-01T09:00:00Z"]) async throws {
        process.executableURL = pxscriptBinary
        process.arguments = ["sandbox", "serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try launch(process)
        let banner = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            DispatchQueue.global().async {
                var text = ""
                while !text.contains("database") {
                    let chunk = out.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                }
                continuation.resume(returning: text)
            }
        }
        let portText = banner.split(separator: "\n").first { $0.contains("base URL") }?
            .split(separator: ":").last?.split(separator: "/").first
        port = Int(portText ?? "") ?? 0
        database = banner.split(separator: "\n").first { $0.contains("database") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        try #require(port > 0, "serve printed: \(banner)")
    }

    /// Sends SIGTERM and waits; returns the exit status.
    func stop() async -> Int32 {
        process.terminate()
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}
