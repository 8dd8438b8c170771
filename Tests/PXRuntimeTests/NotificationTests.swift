import Foundation
import Logging
import PixiesetKit
import PXConfig
import PXNotify
import PXRuntime
@testable import PXState
import Synchronization
import Testing
import TestSupport

/// A notifier and its courier delivering to `targets`. Its retry pauses take no real time by
/// default (`instant`): a test waits on what is delivered, never on the courier's backoff.
struct Notifying {
    let notifier: Notifier
    let courier: Courier
    let sender: NoticeSender

    /// A retry pause that returns at once, once other tasks had their turn.
    static let instant: @Sendable (Duration) async -> Void = { _ in await Task.yield() }
    /// A retry pause that lasts until the courier is stopped: one try, then nothing until the next start.
    static let untilStopped: @Sendable (Duration) async -> Void = { _ in try? await Task.sleep(for: .seconds(3_600)) }

    /// - Parameter timeout: the sender's, in seconds: as long as a test's patience, since a try that times
    ///   out is rightly made again (the target may not have it), a second arrival no loaded CI machine should cause.
    init(_ targets: [NotifyConfig.Target], log: LogCapture, maxAttempts: Int = 10, cookie: String? = nil, digest: Double = 3600,
         pause: @escaping @Sendable (Duration) async -> Void = Notifying.instant, now: @escaping @Sendable () -> Date = { Date() },
         timeout: Int = Int(Patience.seconds)) {
        var timing = Courier.Timing()
        timing.firstRetry = .milliseconds(50)
        timing.longestRetry = .milliseconds(200)
        timing.maxAttempts = maxAttempts
        timing.pause = pause
        let config = NotifyConfig(targets: targets, approvalDigest: digest)
        sender = NoticeSender(timeout: timeout)
        courier = Courier(targets: NoticeTarget.all(config), sender: sender, logger: log.logger, timing: timing, now: now)
        notifier = Notifier(config: config, redactor: Redactor(cookie: cookie, tokens: config.secrets), courier: courier, logger: log.logger)
    }

    /// Runs the courier over `stores` while `body` runs.
    func delivering<T>(_ stores: [StateStore], _ body: () async throws -> T) async throws -> T {
        for store in stores { courier.serve(store) }
        let task = Task { await courier.run() }
        defer { task.cancel() }
        return try await body()
    }

    func close() async { await sender.shutdown() }
}

func withTemporaryState<T>(_ body: (StateStore, URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxnotify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try StateStore(path: folder.appendingPathComponent("state.sqlite").path)
    defer { try? store.close() }
    return try await body(store, folder)
}

@Suite("Notifications: kept until delivered, in order, retried, never in the way (issue 20)")
struct NotificationTests {
    let at = ISOTime.parse(testNow)!

    @Test("a notice waits in the state until its target takes it: 500 twice, then delivered; notices arrive in order")
    func retriedInOrder() async throws {
        try await withWebhook { receiver, base in
            try await withTemporaryState { store, _ in
                receiver.answer([500, 500])
                let log = LogCapture()
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: log)
                try await notifying.delivering([store]) {
                    notifying.notifier.post(Notice(kind: .message, title: "first", text: "one", at: at), on: store)
                    notifying.notifier.post(Notice(kind: .message, title: "second", text: "two", at: at), on: store)
                    #expect(await receiver.wait { receiver.delivered.count == 2 })
                    // Recorded once the answer is read: just after the receiver answered.
                    #expect(await receiver.wait { (try? store.notices.recent().map(\.deliveries)) == [["delivered"], ["delivered"]] })
                }
                await notifying.close()
                let titles = try receiver.delivered.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["title"] as? String }
                #expect(titles == ["first", "second"])
                #expect(receiver.answered.withLock { $0.map(\.1) } == [500, 500, 200, 200])
                #expect(try store.notices.recent().map(\.deliveries) == [["delivered"], ["delivered"]])
                #expect(log.all.contains { $0.contains("answered HTTP 500") && $0.contains("trying again") })
            }
        }
    }

    @Test("a stop during a delivery lets it finish and records it: the stop's flush, or the next start, never delivers it twice")
    func stopMidDelivery() async throws {
        try await withWebhook { receiver, base in
            try await withTemporaryState { store, _ in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: LogCapture())
                receiver.hold()
                notifying.courier.serve(store)
                let running = Task { await notifying.courier.run() }
                notifying.notifier.post(Notice(kind: .message, title: "pxscript was not running for 3h", text: "", at: at), on: store)
                // The target has it, its answer not yet given: the stop comes now.
                #expect(await receiver.wait { receiver.arrived.withLock { $0.count } == 1 })
                running.cancel()
                receiver.release()
                await running.value
                await notifying.courier.flush(within: .seconds(3))
                await notifying.close()
                #expect(receiver.arrived.withLock { $0.count } == 1, "delivered twice")
                let deliveries = try store.notices.recent().map(\.deliveries)
                #expect(deliveries == [["delivered"]])
            }
        }
    }

    @Test("a stop leaves undelivered notices in the state; the next start delivers them")
    func survivesRestart() async throws {
        try await withWebhook { receiver, base in
            try await withTemporaryState { store, _ in
                let log = LogCapture()
                receiver.answer([503])
                // Its retry would come after the stop: one try, answered 503.
                let first = Notifying([.webhook(url: base + "/hook", format: .text)], log: log, pause: Notifying.untilStopped)
                try await first.delivering([store]) {
                    first.notifier.post(Notice(kind: .message, title: "the session expired", text: "", at: at), on: store)
                    #expect(await receiver.wait { receiver.answered.withLock { $0.count } == 1 })
                }
                await first.close()
                #expect(try store.notices.recent().map(\.deliveries) == [["pending"]])
                let status = try store.status(now: at, timeZone: .gmt, journalLimit: 5)
                #expect(status.notices.waiting == 1 && status.text(cap: 200, path: "s").contains("notifications: 1 waiting for delivery"))
                // The next run (a new courier, as after a restart) finds it and delivers it.
                let second = Notifying([.webhook(url: base + "/hook", format: .text)], log: log)
                try await second.delivering([store]) {
                    #expect(await receiver.wait { receiver.delivered.count == 1 })
                }
                await second.close()
                #expect(receiver.delivered == [#"{"text":"the session expired"}"#])
            }
        }
    }

    @Test("a refusal that will not change (404) is given up at once; failures that may pass are given up after the bound")
    func givenUp() async throws {
        try await withWebhook { receiver, base in
            try await withTemporaryState { store, _ in
                let log = LogCapture()
                receiver.answer([404] + Array(repeating: 500, count: 3))
                let notifying = Notifying([.webhook(url: base + "/hook", format: .text)], log: log, maxAttempts: 3)
                try await notifying.delivering([store]) {
                    notifying.notifier.post(Notice(kind: .message, title: "a", text: "", at: at), on: store)
                    notifying.notifier.post(Notice(kind: .message, title: "b", text: "", at: at), on: store)
                    #expect(await receiver.wait { (try? store.notices.recent().map(\.deliveries)) == [["given up"], ["given up"]] })
                }
                await notifying.close()
                #expect(receiver.answered.withLock { $0.map(\.1) } == [404, 500, 500, 500])
                let journal = try store.journal.tail(limit: 10).filter { $0.kind == JournalKind.notificationGivenUp.rawValue }
                #expect(journal.count == 2)
                #expect(journal[0].detail.contains("answered HTTP 404"))
            }
        }
    }

    @Test("each format: Slack-style text, Discord content, ntfy with a Title header, the whole notice as JSON; a command gets the text on stdin")
    func formats() async throws {
        try await withWebhook { receiver, base in
            try await withTemporaryState { store, folder in
                let out = folder.appendingPathComponent("command.out").path
                let log = LogCapture()
                let notifying = Notifying(
                    [.webhook(url: base + "/slack", format: .text), .webhook(url: base + "/discord", format: .discord),
                     .webhook(url: base + "/ntfy", format: .ntfy), .webhook(url: base + "/json", format: .json),
                     .command(["/bin/sh", "-c", "cat > '\(out)'"])],
                    log: log)
                try await notifying.delivering([store]) {
                    notifying.notifier.post(Notice(kind: .message, title: "Approvals wait", text: "apr_1 to Ava <!channel> @everyone: “Hi Ava”", script: "welcome.lua", at: at), on: store)
                    #expect(await receiver.wait { receiver.delivered.count == 4 && FileManager.default.fileExists(atPath: out) })
                    #expect(await receiver.wait { (try? store.notices.recent().first?.deliveries) == Array(repeating: "delivered", count: 5) })
                }
                await notifying.close()
                let byPath = Dictionary(receiver.answered.withLock { $0.map { ($0.0.path, $0.0) } }, uniquingKeysWith: { a, _ in a })
                // A client's words cannot ping a channel (issue 28): Slack's `<…>` escaped, Discord's mentions off.
                #expect(byPath["/slack"]?.body == #"{"text":"Approvals wait\napr_1 to Ava &lt;!channel&gt; @everyone: “Hi Ava”"}"#)
                #expect(byPath["/slack"]?.headers["content-type"] == "application/json")
                #expect(byPath["/discord"]?.body == #"{"allowed_mentions":{"parse":[]},"content":"Approvals wait\napr_1 to Ava <!channel> @everyone: “Hi Ava”"}"#)
                #expect(byPath["/ntfy"]?.body == "apr_1 to Ava <!channel> @everyone: “Hi Ava”")
                #expect(byPath["/ntfy"]?.headers["title"] == "Approvals wait")
                let jsonBody = try #require(byPath["/json"]).body
                let json = try #require(JSONSerialization.jsonObject(with: Data(jsonBody.utf8)) as? [String: String])
                #expect(json["kind"] == "message" && json["script"] == "welcome.lua" && json["at"] == "2026-03-01T09:00:00Z")
                #expect(try String(contentsOfFile: out, encoding: .utf8) == "Approvals wait\napr_1 to Ava <!channel> @everyone: “Hi Ava”")
            }
        }
    }

    @Test("webhook URLs and the cookie never reach the log or a notice: labels show the host only, notices are redacted")
    func secretsNeverShown() async throws {
        try await withWebhook { receiver, base in
            try await withTemporaryState { store, _ in
                let log = LogCapture()
                let secretPath = "/services/T000/B000/XXXXsecretXXXX"
                receiver.answer([500, 404])
                let cookie = "sessionid=cookie-value-123456"
                let notifying = Notifying([.webhook(url: base + secretPath, format: .text)], log: log, cookie: cookie)
                try await notifying.delivering([store]) {
                    notifying.notifier.post(Notice(kind: .message, title: "t", text: "echo of cookie-value-123456 and \(base + secretPath)", at: at), on: store)
                    #expect(await receiver.wait { (try? store.notices.recent().first?.deliveries) == ["given up"] })
                }
                await notifying.close()
                let logged = log.all.joined(separator: "\n") + (try store.journal.tail(limit: 20).map(\.detail).joined(separator: "\n"))
                #expect(!logged.contains("XXXXsecretXXXX"))
                #expect(logged.contains("webhook http://127.0.0.1:"))
                let stored = try #require(store.notices.recent().first?.notice.text)
                #expect(!stored.contains("cookie-value-123456") && !stored.contains("XXXXsecretXXXX"))
                #expect(receiver.arrived.withLock { $0.allSatisfy { !$0.body.contains("cookie-value-123456") } })
            }
        }
    }
}
