import Foundation
import Logging
import PixiesetKit
import PXConfig
import PXNotify
import PXRuntime

/// The notifier a command runs with: the config's `[notify]`
/// targets, delivered by a courier. A dry run and the in-process demo studio
/// (`--sandbox`) only record their notices: a rehearsal, or demo clients,
/// must not reach the photographer's phone.
struct NoticeSetup: Sendable {
    let notifier: Notifier
    private let sender: NoticeSender?

    init(config: ConfigFile, api: APIConfiguration, deliver: Bool, clock: RuntimeClock, logger: Logger) {
        let redactor = Redactor(cookie: api.cookie, tokens: [api.csrfToken, config.csrfToken].compactMap { $0 } + config.notify.secrets)
        guard deliver, !config.notify.targets.isEmpty else {
            sender = nil
            notifier = Notifier(config: config.notify, redactor: redactor, courier: nil, logger: logger)
            return
        }
        let sender = Self.sender(environment: ProcessInfo.processInfo.environment)
        self.sender = sender
        let courier = Courier(targets: NoticeTarget.all(config.notify), sender: sender, logger: logger, now: { clock.now() })
        notifier = Notifier(config: config.notify, redactor: redactor, courier: courier, logger: logger)
    }

    /// The sender, with its answer timeout: 10 s, or `PXSCRIPT_NOTIFY_TIMEOUT` seconds (1 to 600) for
    /// a webhook that answers slowly (and for tests on a loaded machine, whose receiver may be late).
    static func sender(environment: [String: String]) -> NoticeSender {
        let seconds = environment["PXSCRIPT_NOTIFY_TIMEOUT"].flatMap(Int.init).map { min(max($0, 1), 600) }
        return NoticeSender(timeout: seconds ?? 10)
    }

    /// Closes the HTTP client (after the courier is done with it).
    func close() async {
        await sender?.shutdown()
    }
}
