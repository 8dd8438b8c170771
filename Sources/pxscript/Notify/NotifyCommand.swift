import ArgumentParser
import Foundation
import PixiesetKit
import PixiesetModels
import PXConfig
import PXNotify
import PXRuntime

/// `pxscript notify TEXT` and `pxscript notify --test`: a notice to
/// every target of `[notify]` now, each tried up to three times. For a
/// service manager's failure hook, and to check the targets work.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Send a notification to every [notify] target in config.toml (or a test one).",
        discussion: """
            Exits 0 when every target took it, 69 when one did not (each is tried three times), \
            64 when config.toml has no [notify] target.
            """)

    @Argument(help: "The text to send (one argument; quote it).") var text: String?
    @Option(help: "The notification's title (default: \"pxscript\").") var title: String?
    @Flag(help: "Send a test notification, to check that every target works.") var test = false

    func validate() throws {
        if test == (text != nil) { throw ValidationError("give a TEXT to send, or --test (one of them)") }
        if let text, text.allSatisfy(\.isWhitespace) { throw ValidationError("the text is empty") }
        if let title, title.contains("\n") { throw ValidationError("--title is one line") }
    }

    func run() async throws {
        try await withExitCodes {
            let environment = ProcessInfo.processInfo.environment
            let config = try ConfigFile.defaultPath(environment: environment).map { try ConfigFile.load(path: $0) } ?? ConfigFile()
            let targets = NoticeTarget.all(config.notify)
            guard !targets.isEmpty else {
                throw RuntimeError.usage(
                    "no notification target: add a [notify] table with webhook = \"https://…\" or command = [\"…\"] to \(config.path ?? "config.toml") (docs/notifications.md)")
            }
            let now = try RuntimeClock(environment: environment).now()
            let redactor = Redactor(cookie: config.cookie, tokens: [config.csrfToken].compactMap { $0 } + config.notify.secrets)
            let notice = test
                ? Notice(kind: .test, title: title ?? "pxscript: test notification",
                         text: "If you read this, pxscript's notifications reach you here.", at: now)
                : Notice(kind: .message, title: redactor.redact(title ?? "pxscript"), text: redactor.redact(text ?? ""), at: now)
            let sender = NoticeSetup.sender(environment: environment)
            var failed = 0
            for target in targets {
                if let error = await Self.deliver(notice, to: target, with: sender) {
                    printError("failed: \(TerminalText.escaped(target.label)): \(TerminalText.escaped("\(error)"))")
                    failed += 1
                } else {
                    printNow("sent: \(target.label)")
                }
            }
            await sender.shutdown()
            if failed > 0 { throw Failure("\(failed) of \(targets.count) notification target(s) did not take it", code: Exit.unreachable) }
        }
    }

    /// Up to three tries, 1 s then 3 s apart, while the target answers that it may pass (5xx, 429): one that
    /// does not answer already had its 10 seconds. The last error, or nil when delivered.
    static func deliver(_ notice: Notice, to target: NoticeTarget, with sender: NoticeSender) async -> NotifyError? {
        var last: NotifyError?
        for pause in [0, 1, 3] {
            if pause > 0 { try? await Task.sleep(for: .seconds(pause)) }
            do {
                try await sender.deliver(notice, to: target)
                return nil
            } catch {
                last = error
                guard case .status = error, error.isTransient else { break }
            }
        }
        return last
    }
}
