import Foundation
import PixiesetKit
import PXConfig
import Testing

@Suite("The [notify] table of config.toml")
struct NotifyConfigTests {
    func load(_ text: String, in directory: URL) throws -> ConfigFile {
        let path = directory.appendingPathComponent("config.toml").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        return try ConfigFile.load(path: path)
    }

    @Test("a webhook, more webhooks each with its format, a command, the digest interval")
    func everyTarget() async throws {
        try await withTemporaryDirectory { directory in
            let config = try load("""
                cookie = "sessionid=abc"
                [notify]
                webhook = "https://hooks.slack.com/services/T/B/X"
                command = ["/usr/bin/mail", "-s", "pxscript", "me@example.com"]
                approval_digest = "30m"
                [[notify.webhooks]]
                url = "https://ntfy.sh/topic-123"
                format = "ntfy"
                [[notify.webhooks]]
                url = "https://discord.com/api/webhooks/1/2"
                format = "discord"
                """, in: directory)
            #expect(config.cookie == "sessionid=abc")
            #expect(config.notify.targets == [
                .webhook(url: "https://hooks.slack.com/services/T/B/X", format: .text),
                .webhook(url: "https://ntfy.sh/topic-123", format: .ntfy),
                .webhook(url: "https://discord.com/api/webhooks/1/2", format: .discord),
                .command(["/usr/bin/mail", "-s", "pxscript", "me@example.com"]),
            ])
            #expect(config.notify.approvalDigest == 1_800)
            #expect(config.notify.secrets.count == 3)
        }
    }

    @Test("mistakes are refused when the file is read, naming the key",
          arguments: [
            ("[notify]\nwebhook = 3\n", "'notify.webhook' must be a URL in quotes"),
            ("[notify]\nwebhook = \"ftp://example.com/x\"\n", "'notify.webhook' must be an https:// URL"),
            ("[notify]\nwebhook = \"not a url\"\n", "'notify.webhook' must be an https:// URL"),
            ("[notify]\nformat = \"teams\"\n", "'notify.format' is one of text, discord, ntfy, json"),
            ("[notify]\ncommand = []\n", "'notify.command' must be a list like"),
            ("[notify]\ncommand = \"/usr/bin/mail me\"\n", "'notify.command' must be a list like"),
            ("[notify]\napproval_digest = \"10s\"\n", "'notify.approval_digest' must be a duration"),
            ("[notify]\nwebhok = \"https://x.example\"\n", "unknown key 'notify.webhok'"),
            ("[[notify.webhooks]]\nformat = \"ntfy\"\n", "'notify.webhooks[1]' needs url"),
            ("[[notify.webhooks]]\nurl = \"https://x.example/a\"\ncolour = 1\n", "unknown key 'notify.webhooks[1].colour'"),
            ("notify = \"https://x.example\"\n", "'notify' must be a table"),
          ])
    func refused(text: String, message: String) async throws {
        try await withTemporaryDirectory { directory in
            let refusal = #expect(throws: ConfigError.self) { try load(text, in: directory) }
            #expect(refusal?.description.contains(message) == true, "\(String(describing: refusal))")
        }
    }

    @Test("every TOML example of docs/notifications.md is read as written")
    func docExamples() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/notifications.md"), encoding: .utf8)
        var blocks: [String] = [], current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```toml" { current = [] } else if line.hasPrefix("```"), let block = current {
                blocks.append(block.joined(separator: "\n"))
                current = nil
            } else if current != nil { current?.append(line) }
        }
        #expect(blocks.count >= 2)
        try await withTemporaryDirectory { directory in
            for block in blocks {
                let config = try load(block, in: directory)
                #expect(!config.notify.targets.isEmpty)
            }
        }
    }

    @Test("pxscript login keeps the [notify] table as written")
    func loginKeepsIt() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("config.toml").path
            let text = "# mine\n[notify]\nwebhook = \"https://hooks.slack.com/services/T/B/X\"\n"
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            try ConfigFile.storeCookie("sessionid=new", at: path)
            let config = try ConfigFile.load(path: path)
            #expect(config.cookie == "sessionid=new")
            #expect(config.notify.targets == [.webhook(url: "https://hooks.slack.com/services/T/B/X", format: .text)])
        }
    }
}
