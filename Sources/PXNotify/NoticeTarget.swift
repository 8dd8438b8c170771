import Crypto
import Foundation
import PixiesetKit
import PXConfig

/// A configured target as the courier and the output see it: a label that
/// never shows the secret part of a webhook URL, and a key under which a
/// state records its deliveries without writing the URL down.
public struct NoticeTarget: Sendable, Hashable {
    public let target: NotifyConfig.Target

    public init(_ target: NotifyConfig.Target) { self.target = target }

    /// `webhook https://hooks.slack.com/… (text)` or `command /usr/bin/mail`: the host only, the rest is the secret.
    public var label: String {
        switch target {
        case .webhook(let url, let format):
            let parts = URLComponents(string: url)
            let host = parts.map { "\($0.scheme ?? "https")://\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")/…" } ?? "…"
            return "webhook \(host) (\(format.rawValue))"
        case .command(let words):
            return "command \(words[0])"
        }
    }

    /// A digest of the whole target: the same target in the next run finds its pending deliveries.
    public var key: String {
        let spec: String
        switch target {
        case .webhook(let url, let format): spec = "webhook\u{0}\(format.rawValue)\u{0}\(url)"
        case .command(let words): spec = "command\u{0}" + words.joined(separator: "\u{0}")
        }
        return SHA256.hash(data: Data(spec.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    public static func all(_ config: NotifyConfig) -> [NoticeTarget] { config.targets.map(NoticeTarget.init) }
}
