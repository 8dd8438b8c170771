import Foundation
import TOMLKit

/// The `[notify]` table of `config.toml`: where notifications go.
///
/// ```toml
/// [notify]
/// webhook = "https://hooks.slack.com/services/…"   # format = "text" (the default)
/// command = ["/usr/bin/mail", "-s", "pxscript", "me@example.com"]
/// approval_digest = "1h"
///
/// [[notify.webhooks]]                               # more webhooks, each with its format
/// url = "https://ntfy.sh/my-studio-7f3a"
/// format = "ntfy"
/// ```
///
/// Webhook URLs are secrets (whoever has one can post to the channel): they
/// are redacted in all output like the cookie, and never written to a state.
public struct NotifyConfig: Sendable, Hashable {
    /// How a webhook wants its body.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// JSON `{"text": …}`: Slack, Mattermost, Google Chat.
        case text
        /// JSON `{"content": …}`.
        case discord
        /// A plain-text body with a `Title` header.
        case ntfy
        /// The whole notification as a JSON object.
        case json
    }

    public enum Target: Sendable, Hashable {
        case webhook(url: String, format: Format)
        /// A program and its arguments (no shell), given the text on standard input.
        case command([String])
    }

    public var targets: [Target] = []
    /// At most one "approvals waiting" notification per this many seconds.
    public var approvalDigest: Double = 3600

    public init(targets: [Target] = [], approvalDigest: Double = 3600) {
        self.targets = targets
        self.approvalDigest = approvalDigest
    }

    /// The webhook URLs: secrets for the redactor.
    public var secrets: [String] {
        targets.compactMap { target in
            guard case .webhook(let url, _) = target else { return nil }
            return url
        }
    }

    static let knownKeys = ["webhook", "format", "webhooks", "command", "approval_digest"]

    /// Parses the `[notify]` table.
    /// - Throws: `ConfigError.file` naming the key that is wrong.
    static func parse(_ value: any TOMLValueConvertible, path: String) throws -> NotifyConfig {
        func problem(_ text: String) -> ConfigError { .file(path: path, problem: text) }
        guard let table = value.table else { throw problem("'notify' must be a table ([notify])") }
        var config = NotifyConfig()
        var format = Format.text
        if let value = table["format"] {
            guard let name = value.string, let named = Format(rawValue: name) else {
                throw problem("'notify.format' is one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = named
        }
        for key in table.keys where !knownKeys.contains(key) {
            throw problem("unknown key 'notify.\(key)' (known: \(knownKeys.joined(separator: ", ")))")
        }
        if let value = table["webhook"] {
            guard let url = value.string else { throw problem("'notify.webhook' must be a URL in quotes") }
            config.targets.append(.webhook(url: try checkedURL(url, key: "notify.webhook", path: path), format: format))
        }
        if let value = table["webhooks"] {
            guard let list = value.array else { throw problem("'notify.webhooks' must be a list of tables ([[notify.webhooks]])") }
            for (index, item) in list.enumerated() {
                let key = "notify.webhooks[\(index + 1)]"
                guard let entry = item.table, let url = entry["url"]?.string else { throw problem("'\(key)' needs url = \"https://…\"") }
                for name in entry.keys where name != "url" && name != "format" {
                    throw problem("unknown key '\(key).\(name)' (known: url, format)")
                }
                var own = Format.text
                if let value = entry["format"] {
                    guard let name = value.string, let named = Format(rawValue: name) else {
                        throw problem("'\(key).format' is one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    own = named
                }
                config.targets.append(.webhook(url: try checkedURL(url, key: key, path: path), format: own))
            }
        }
        if let value = table["command"] {
            guard let array = value.array, !array.isEmpty, let words = Optional(array.compactMap(\.string)), words.count == array.count,
                  !words[0].isEmpty
            else { throw problem("'notify.command' must be a list like [\"/usr/bin/mail\", \"-s\", \"pxscript\", \"me@example.com\"]") }
            config.targets.append(.command(words))
        }
        if let value = table["approval_digest"] {
            guard let text = value.string, let seconds = digestSeconds(text), seconds >= 60, seconds <= 7 * 86_400 else {
                throw problem("'notify.approval_digest' must be a duration like \"1h\" or \"30m\" (from 1m to 7d)")
            }
            config.approvalDigest = seconds
        }
        return config
    }

    /// An `http(s)` URL with a host; anything else is refused when the file is read, not at the first notification.
    static func checkedURL(_ text: String, key: String, path: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty, text.utf8.count <= 4096
        else {
            throw ConfigError.file(path: path, problem: "'\(key)' must be an https:// URL")
        }
        return text
    }

    /// `90s`, `30m`, `1h`, `2d` in seconds (this file's own reading: PixiesetKit does not know the runtime's durations).
    static func digestSeconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let number = Double(text.dropLast()), number.isFinite, number >= 0 else { return nil }
        return number * unit
    }
}
