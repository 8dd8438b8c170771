import Foundation
import NIOHTTP1
import PixiesetKit
import PixiesetModels
import PXConfig
import Testing

@Suite("The cookie never leaks; odd answers are clear errors")
struct SecurityTests {
    static let cookie = "pixieset_session=s3cr3t/V4LU3+123456; XSRF-TOKEN=tok-987654321"

    @Test("servers that echo the cookie never get it printed", arguments: ["echo-error", "echo-plain", "echo-location", "echo-cut", "echo-encoded"])
    func echoes(path: String) async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base, cookie: Self.cookie) { client in
                let request = PixiesetClient.Request(method: .GET, url: base + "/" + path)
                var text = ""
                do {
                    _ = try await client.perform(request, retrying: false)
                } catch {
                    text = "\(error) \(String(describing: error)) \((error as? PixiesetError)?.description ?? "")"
                }
                #expect(!text.isEmpty)
                #expect(!text.contains("s3cr3t"), "\(text)")
                #expect(!text.contains("tok-987654321"), "\(text)")
            }
        }
    }

    @Test("an answer whose data echoes the cookie reaches the caller without it")
    func echoInData() async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base, cookie: Self.cookie) { client in
                let response = try await client.perform(PixiesetClient.Request(method: .GET, url: base + "/echo-data/"), retrying: false)
                let text = String(decoding: response.body, as: UTF8.self)
                #expect(!text.contains("s3cr3t") && !text.contains("tok-987654321") && text.contains("[redacted]"), "\(text)")
            }
        }
    }

    @Test("the redactor masks the header and each value")
    func redactor() {
        let redactor = Redactor(cookie: Self.cookie)
        let text = redactor.redact("a \(Self.cookie) b s3cr3t/V4LU3+123456 c tok-987654321 d")
        #expect(text == "a [redacted] b [redacted] c [redacted] d")
        for form in ["czNjcjN0L1Y0TFUzKzEyMzQ1Ng", "s3cr3t%2FV4LU3%2B123456", "s3cr3t%2fV4LU3%2b123456", #"s3cr3t\/V4LU3+123456"#] {
            #expect(!redactor.redact("echo: \(form)!").contains(form), "\(form)")
        }
        #expect(Redactor(cookie: nil).redact("x") == "x")
    }

    @Test("the cookie goes to the API's own URLs only")
    func cookieScope() throws {
        let base = try BaseURL(parsing: "https://studio.pixieset.com/api/v1")
        #expect(base.owns("https://studio.pixieset.com/api/v1/conversations/"))
        #expect(base.owns("https://studio.pixieset.com:443/api/v1/conversation_messages"))
        #expect(!base.owns("https://storage.pixieset.com/upload"))
        #expect(!base.owns("https://studio.pixieset.com/storage/upload"))
        #expect(!base.owns("http://studio.pixieset.com/api/v1/conversations/"))
        #expect(!base.owns("https://studio.pixieset.com/api/v10/x"))
        #expect(!base.owns("https://studio.pixieset.com.evil.example/api/v1/x"))
        #expect(base.url(["conversations", "conv_A/../x"], trailingSlash: true, query: [("q", "a&b=c")])
            == "https://studio.pixieset.com/api/v1/conversations/conv_A%2F..%2Fx/?q=a%26b%3Dc")
        #expect(throws: PixiesetError.self) { try BaseURL(parsing: "ftp://x/api") }
        #expect(throws: PixiesetError.self) { try BaseURL(parsing: "https://user:pw@x/api") }
    }

    @Test("broken answers: not JSON, truncated, missing data, a login redirect, unexpected statuses")
    func brokenAnswers() async throws {
        try await withMisbehavingServer { base in
            try await withClient(baseURL: base, cookie: Self.cookie) { client in
                func error(_ path: String) async -> PixiesetError? {
                    await pixiesetError {
                        let response = try await client.perform(.init(method: .GET, url: base + path), retrying: false)
                        _ = try client.decode(ConversationPage.self, from: response)
                    }
                }
                guard case .malformedResponse = await error("/not-json/") else { Issue.record("not-json"); return }
                guard case .truncatedResponse = await error("/truncated/") else { Issue.record("truncated"); return }
                guard case .sessionExpired = await error("/login-redirect/") else { Issue.record("login"); return }
                let missing = await pixiesetError { _ = try await client.conversations() }
                guard case .malformedResponse(let detail) = missing else { Issue.record("\(String(describing: missing))"); return }
                #expect(detail.contains("data"))
                guard case .sessionExpired = await error("/status/419") else { Issue.record("419"); return }
                guard case .malformedResponse = await error("/status/418") else { Issue.record("418"); return }
            }
        }
    }
}

@Suite("Settings: retry table pieces and the config file")
struct SettingsTests {
    @Test("Retry-After in seconds or as an HTTP date; backoff within its ceiling")
    func retryAfter() {
        #expect(RetryAfter.parse("3", now: Date()) == .seconds(3))
        #expect(RetryAfter.parse(nil, now: Date()) == nil && RetryAfter.parse("soon", now: Date()) == nil)
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 21 Oct 2015 07:27:50 GMT
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
        var rng = SystemRandomNumberGenerator()
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1), deadline: .seconds(30))
        for retry in 1...8 {
            let delay = policy.delay(beforeRetry: retry, retryAfter: nil, using: &rng)
            #expect(delay >= .zero && delay <= min(.seconds(1), .milliseconds(100) * (1 << (retry - 1))))
        }
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(7), using: &rng) == .seconds(7))
    }

    @Test("the config file: read when private, refused when others can read it, strict about keys")
    func configFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("config.toml").path
            try """
                cookie = "pixieset_session=abc123456"
                base_url = "http://127.0.0.1:7878/api/v1"
                allow_read = ["/srv/guides"]
                max_sends = 50
                tz = "America/Toronto"
                """.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let open = #expect(throws: ConfigError.self) { try ConfigFile.load(path: path) }
            #expect(open?.description.contains("chmod 600") == true)
            #expect(open?.description.contains("abc123456") == false)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let config = try ConfigFile.load(path: path)
            #expect(config.cookie == "pixieset_session=abc123456" && config.maxSends == 50 && config.allowRead == ["/srv/guides"])
            let source = CookieSource(environment: [:], configPath: path)
            #expect(try source.credentials()?.origin == path)
            let env = CookieSource(environment: ["PIXIESET_COOKIE": "from_env=1"], configPath: path)
            #expect(try env.credentials()?.cookie == "from_env=1")
            try "cookies = \"typo\"\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            #expect(throws: ConfigError.self) { try ConfigFile.load(path: path) }
            try "cookie = \n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let bad = #expect(throws: ConfigError.self) { try ConfigFile.load(path: path) }
            #expect(bad?.description.contains("line 1") == true)
            #expect(try ConfigFile.load(path: directory.appendingPathComponent("none.toml").path) == ConfigFile())
        }
    }
}

@Suite("Account identity and loopback hosts")
struct AccountIdentityTests {
    @Test("one account whatever the spelling: localhost or 127.0.0.1, a default port written out, analytics pairs, pair order")
    func sameAccount() throws {
        let key = AccountIdentity.key(baseURL: try BaseURL(parsing: "http://127.0.0.1:8080/api/v1"), cookie: "session_cookie=abc")
        for (url, cookie) in [
            ("http://localhost:8080/api/v1", "session_cookie=abc"),
            ("http://LOCALHOST:8080/api/v1/", "session_cookie=abc; _ga=GA1.2.3.4"),
            ("http://127.0.0.1:8080/api/v1", "_gid=x;session_cookie=abc ; XSRF-TOKEN=rotated%3D"),
        ] {
            #expect(AccountIdentity.key(baseURL: try BaseURL(parsing: url), cookie: cookie) == key, "\(url) \(cookie)")
        }
        #expect(AccountIdentity.key(baseURL: try BaseURL(parsing: "https://studio.pixieset.com:443/api/v1"), cookie: "b=2; a=1")
            == AccountIdentity.key(baseURL: try BaseURL(parsing: "https://studio.pixieset.com/api/v1"), cookie: "a=1; b=2"))
        // Another session, another port or another host is another account.
        for (url, cookie) in [("http://127.0.0.1:8080/api/v1", "session_cookie=abd"), ("http://127.0.0.1:8081/api/v1", "session_cookie=abc"),
                              ("http://127.0.0.2:8080/api/v1", "session_cookie=abc")] {
            #expect(AccountIdentity.key(baseURL: try BaseURL(parsing: url), cookie: cookie) != key, "\(url) \(cookie)")
        }
    }

    @Test("loopback is decided on the literal: 127.0.0.0/8, ::1, localhost; never a name that starts with 127.")
    func loopback() throws {
        for url in ["http://127.0.0.1:1/api/v1", "http://127.255.3.4/api", "http://[::1]:9/api/v1", "http://localhost:3/api/v1"] {
            #expect(try BaseURL(parsing: url).isLoopback, "\(url)")
        }
        for url in ["http://127.attacker.example/api/v1", "http://127.0.0.1.nip.io/api", "http://1270.0.0.1/api", "http://127.0.0.256/api",
                    "http://localhost.example.com/api", "https://studio.pixieset.com/api/v1", "http://127.0.0/api"] {
            #expect(try !BaseURL(parsing: url).isLoopback, "\(url)")
        }
    }
}
