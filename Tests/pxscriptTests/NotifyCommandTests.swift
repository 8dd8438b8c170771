import Foundation
import Synchronization
import TestSupport
import Testing

/// `pxscript notify TEXT|--test` against a loopback webhook (issue 20).
@Suite("pxscript notify")
struct NotifyCommandTests {
    /// A home with a config.toml holding `notify` (mode 600).
    func withConfig<T>(_ notify: String, _ body: ([String: String]) async throws -> T) async throws -> T {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pxnotify-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("config/pxscript"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let path = home.appendingPathComponent("config/pxscript/config.toml").path
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("cookie = \"sessionid=cli-cookie-0123456\"\n\(notify)".utf8), attributes: [.posixPermissions: 0o600])
        // The receiver runs in this process, beside hundreds of tests on two cores: it may answer after
        // the 10 s a photographer's webhook gets (the suite failed so once); the guard is Patience's.
        return try await body([
            "HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "PIXIESET_COOKIE": "",
            "PXSCRIPT_NOTIFY_TIMEOUT": "300",
        ])
    }

    @Test("--test reaches every target; the URL's secret path is never printed")
    func testEveryTarget() async throws {
        try await withWebhook { receiver, base in
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString).txt").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            try await withConfig("""
                [notify]
                webhook = "\(base)/services/T0/B0/SECRETxyz"
                command = ["/bin/sh", "-c", "cat > '\(out)'"]
                [[notify.webhooks]]
                url = "\(base)/ntfy-topic-SECRETabc"
                format = "ntfy"
                """
            ) { env in
                let outcome = try await pxscript(["notify", "--test"], environment: env)
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(outcome.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("sent: ") }.count == 3)
                #expect(!(outcome.stdout + outcome.stderr).contains("SECRET"))
                #expect(receiver.delivered.count == 2)
                #expect(receiver.arrived.withLock { $0.map(\.headers["title"]) }.contains("pxscript: test notification"))
                #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("pxscript: test notification\n"))
            }
        }
    }

    @Test("TEXT with --title; a target that keeps failing is tried three times and the exit is 69; the cookie never goes out")
    func failingTarget() async throws {
        try await withWebhook { receiver, base in
            receiver.answer([503, 503, 503])
            try await withConfig("[notify]\nwebhook = \"\(base)/hook/SECRETpath\"\n") { env in
                let outcome = try await pxscript(["notify", "backup failed; cookie sessionid=cli-cookie-0123456", "--title", "studio Mac"], environment: env)
                #expect(outcome.status == 69)
                #expect(outcome.stderr.contains("failed: webhook http://127.0.0.1:"))
                #expect(outcome.stderr.contains("answered HTTP 503"))
                #expect(!(outcome.stdout + outcome.stderr).contains("SECRETpath"))
                #expect(receiver.answered.withLock { $0.count } == 3)
                #expect(receiver.arrived.withLock { $0.allSatisfy { !$0.body.contains("cli-cookie-0123456") } })
                #expect(receiver.arrived.withLock { $0.first?.body.hasPrefix(#"{"text":"studio Mac\nbackup failed"#) } == true)
            }
        }
    }

    @Test("no [notify] target is a usage error (64) that says what to add; no TEXT and no --test is one too")
    func nothingConfigured() async throws {
        try await withConfig("") { env in
            let outcome = try await pxscript(["notify", "--test"], environment: env)
            #expect(outcome.status == 64)
            #expect(outcome.stderr.contains("no notification target: add a [notify] table"))
            #expect(try await pxscript(["notify"], environment: env).status == 64)
            #expect(try await pxscript(["notify", "x", "--test"], environment: env).status == 64)
        }
    }
}
