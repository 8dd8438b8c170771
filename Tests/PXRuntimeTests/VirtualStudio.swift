import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import TestSupport

/// A sandbox studio and a watch daemon in-process on one `VirtualClock`:
/// the test writes as clients, moves time, and asserts (issue 18).
struct VirtualStudio {
    let sandbox: RunningSandbox
    let clock: VirtualClock
    let folder: URL
    let log = LogCapture()

    /// What the clock asks to tell whether the studio may hold news: its messages, or (to count
    /// requests per poll) a number that changes at every question, so every poll instant polls.
    final class Probe: Sendable {
        let changes = StudioChanges()
        let alwaysChanged: Bool
        let asked = Atomic<Int>(0)
        init(alwaysChanged: Bool) { self.alwaysChanged = alwaysChanged }
        func version() -> Int { alwaysChanged ? asked.add(1, ordering: .relaxed).newValue : changes.version() }
    }

    /// Writes `scripts` (name → source) and runs one daemon for them until `body` returns.
    func daemon(
        _ scripts: [(name: String, source: String)], interval: Double = 30, timeZone: String = "UTC", dryRun: Bool = false,
        maxSends: Int = 200, notifier: Notifier = .recording, cookie: String? = nil, cookies: CookieSource? = nil, busyTimeout: Double? = nil,
        _ body: () async throws -> Void
    ) async throws {
        var configured: [WatchService.Script] = []
        for (name, source) in scripts {
            let path = folder.appendingPathComponent(name).path
            try source.write(toFile: path, atomically: true, encoding: .utf8)
            var options = RuntimeOptions(scriptPath: path, maxSends: maxSends, timeZone: TimeZone(identifier: timeZone)!)
            options.watch = true
            options.notifier = notifier
            if let busyTimeout { options.busyTimeout = busyTimeout }
            configured.append(WatchService.Script(path: path, options: options, statePath: statePath(name)))
        }
        var configuration = WatchService.Configuration(
            scripts: configured, api: APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: cookie ?? sandbox.cookie, retry: .fast),
            clock: RuntimeClock(virtual: clock))
        configuration.notifier = notifier
        configuration.cookies = cookies
        configuration.interval = interval
        configuration.locksAccount = false
        configuration.dryRun = dryRun
        let service = WatchService(configuration, logger: log.logger)
        let task = service.start()
        // Let it load, poll once and go to sleep.
        await clock.advance(to: clock.now())
        do {
            try await body()
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
        task.cancel()
        try await task.value
    }

    func statePath(_ script: String) -> String { folder.appendingPathComponent(script + ".sqlite").path }

    /// Moves the clock to `date`, the daemon doing what falls due on the way.
    func advance(to date: Date) async { await clock.advance(to: date) }
    func advance(by seconds: Double) async { await clock.advance(by: seconds) }

    /// A client writes in `conversation` now (the studio's time is the virtual clock's).
    @discardableResult
    func clientWrites(_ conversation: String, _ text: String) async throws -> Message {
        try await sandbox.database.clientWritesIn(conversationID: conversation, content: text)
    }

    func clientConversations(_ count: Int) throws -> [String] {
        Array(Set(try sandbox.database.allMessages().filter { $0.senderType == "client" }.map(\.conversationID)).sorted().prefix(count))
    }

    /// The studio's messages in `conversation`, oldest first, with when each was sent.
    func studioMessages(in conversation: String) throws -> [(content: String, sentAt: Double)] {
        try sandbox.database.allMessages().filter { $0.conversationID == conversation && $0.senderType == "photographer" }
            .map { ($0.content, try sandbox.database.sentAt(ofMessage: $0.id) ?? 0) }
    }
}

/// A fresh sandbox on a virtual clock starting at `start`.
func withVirtualStudio<T>(
    start: String = testNow, alwaysChanged: Bool = false, seed: SandboxConfiguration.Seed = .demo, _ body: (VirtualStudio) async throws -> T
) async throws -> T {
    let begin = ISOTime.parse(start)!
    let probe = VirtualStudio.Probe(alwaysChanged: alwaysChanged)
    let clock = VirtualClock(start: begin, studioVersion: { probe.version() })
    var configuration = SandboxConfiguration()
    configuration.seed = seed
    configuration.clock = FollowingClock(reference: Timestamp(parsing: start)!) {
        Timestamp(microseconds: Int64((clock.now().timeIntervalSince1970 * 1_000_000).rounded()))
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxwatch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await StudioSandbox.withRunning(configuration) { sandbox in
        probe.changes.attach(sandbox.database)
        return try await body(VirtualStudio(sandbox: sandbox, clock: clock, folder: folder))
    }
}
