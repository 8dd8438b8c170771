import Foundation
import PixiesetKit
import PXConfig

/// What a webhook receives for a notice, in the format it was configured with.
struct NoticePayload: Sendable {
    var contentType: String
    var headers: [(String, String)] = []
    var body: [UInt8]

    init(_ notice: Notice, format: NotifyConfig.Format) {
        switch format {
        case .text:
            // Slack, Mattermost and Google Chat show `text`; Slack cuts a message near 40,000 characters.
            // `&`, `<`, `>` escaped as Slack asks: a client named `<!channel>` must not ping the channel.
            self.init(json: ["text": Self.cut(Self.slackEscaped(notice.plainText), to: 3_900)])
        case .discord:
            // Discord refuses `content` over 2,000 characters; no mention it contains pings anyone
            // (a client named "@everyone"), whatever the text.
            self.init(json: ["content": Self.cut(notice.plainText, to: 1_990), "allowed_mentions": ["parse": [String]()]])
        case .ntfy:
            // ntfy takes the body as the message and the title from a header (headers are ASCII-safe: non-ASCII is dropped).
            let title = String(String.UnicodeScalarView(notice.title.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }))
            self.init(
                contentType: "text/plain; charset=utf-8", headers: [("Title", Self.cut(title, to: 200))],
                body: Array(Self.cut(notice.text.isEmpty ? notice.title : notice.text, to: 3_900).utf8))
        case .json:
            var object: [String: Any] = [
                "kind": notice.kind.rawValue, "title": notice.title, "text": notice.text,
                "at": ISO8601DateFormatter().string(from: notice.at),
            ]
            if let condition = notice.condition { object["condition"] = condition }
            if let script = notice.script { object["script"] = script }
            self.init(json: object)
        }
    }

    private init(contentType: String, headers: [(String, String)], body: [UInt8]) {
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    private init(json object: [String: Any]) {
        self.init(
            contentType: "application/json", headers: [],
            body: Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)))
    }

    /// Slack's control sequences (`<!channel>`, `<@U123>`, links) made plain text.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `text` within `limit` characters, the cut marked.
    static func cut(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
