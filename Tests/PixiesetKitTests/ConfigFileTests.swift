import Foundation
import PixiesetKit
import PXConfig
import Testing

@Suite("The config file's TOML")
struct ConfigFileTests {
    func load(_ text: String, in directory: URL) throws -> ConfigFile {
        let path = directory.appendingPathComponent("config.toml").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        return try ConfigFile.load(path: path)
    }

    /// Each of these aborted the process inside TOMLKit's C++ parser before the precheck; each is
    /// now a refusal naming its line.
    @Test("a table header that does not start as TOML requires is refused with its line, never a crash",
          arguments: [
            ("[%]\n", 1), ("cookie = \"a\"\n[[ €]]\n", 2), ("\r\n[\u{344}%", 2), ("\n\n[\u{301}a]", 3),
            ("[\t\t{]", 1), ("tz = 'UTC'\n  [[\u{3000}a]]", 2), ("[\n", 1), ("[", 1),
          ])
    func badHeaders(text: String, line: Int) async throws {
        try await withTemporaryDirectory { directory in
            let refusal = #expect(throws: ConfigError.self) { try load(text, in: directory) }
            #expect(refusal?.description.contains("line \(line):") == true, "\(String(describing: refusal))")
        }
    }

    @Test("a [ inside a value (a list over several lines, a multi-line string) is not taken for a header")
    func bracketsInValues() async throws {
        try await withTemporaryDirectory { directory in
            let config = try load("""
                allow_read = [
                  "/srv/a", # a comment with [% in it
                  '/srv/b',
                ]
                cookie = \"\"\"
                [%not a header
                ]\"\"\"
                tz = "[%" # ["also not"]
                """, in: directory)
            #expect(config.allowRead == ["/srv/a", "/srv/b"])
            #expect(config.cookie == "[%not a header\n]")
            #expect(config.tz == "[%")
        }
    }
}
