import Foundation
import Testing

/// docs/spec.md §3, §5: no script reads the cookie, whatever it is granted; a cookie
/// that would split a request is refused before it is used.
@Suite("the cookie stays out of reach")
struct LeakTests {
    static let secret = "pixieset_session=Zq9secretValue4471abcd"

    @Test("a cookie with a line break is refused with one line, exit 64, without printing it")
    func lineBreak() async throws {
        let folder = try RunFolder(["one.lua": "return px.unread()"])
        defer { folder.remove() }
        var env = folder.environment()
        env["PXSCRIPT_NOW"] = nil
        env["PIXIESET_COOKIE"] = "pixieset_session=Zq9secret\r\nX-Injected: 1"
        let outcome = try await pxscript(["run", folder.path("one.lua"), "--base-url", "http://127.0.0.1:9/api/v1"], environment: env)
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("line break") && !outcome.stderr.contains("Zq9secret"), "\(outcome.stderr)")
    }

    @Test("granted everything, a script still cannot read /proc, the config file by another name, or files beside it")
    func fileIdentity() async throws {
        let folder = try RunFolder(["probe.lua": """
            local out = {}
            for _, path in ipairs(px.args) do
              local ok, err = pcall(px.template.file, path, {})
              out[#out + 1] = ok and ("READ " .. path) or "refused"
            end
            print(table.concat(out, ","))
            """])
        defer { folder.remove() }
        let configFolder = folder.path("config/pxscript")
        try FileManager.default.createDirectory(atPath: configFolder, withIntermediateDirectories: true)
        let config = configFolder + "/config.toml"
        try "cookie = \"\(Self.secret)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)
        try "cookie = \"\(Self.secret)\"\n".write(toFile: config + "~", atomically: true, encoding: .utf8)
        let hardLink = folder.path("innocent.txt")
        #expect(link(config, hardLink) == 0)
        var env = folder.environment()
        env["PIXIESET_COOKIE"] = nil
        let paths = ["/proc/self/environ", "/proc/self/mem", "/proc/1/environ", hardLink, config + "~", config, "/dev/zero"]
        let outcome = try await pxscript(["run", folder.path("probe.lua"), "--sandbox", "--allow-read", "/", "--"] + paths, environment: env)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Array(repeating: "refused", count: paths.count).joined(separator: ","),
                "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("Zq9") && !outcome.stderr.contains("Zq9"))
    }
}
