import Foundation
import Testing

@Suite("pxscript api")
struct APICommandTests {
    @Test("--sandbox: the answer as compact JSON on stdout, the sandbox's URL on stderr")
    func sandbox() async throws {
        let outcome = try await pxscript(
            ["api", "GET", "/conversations/", "-q", "page_size=2", "-q", "message_status=inbox", "--sandbox"],
            environment: ["PXSCRIPT_NOW": "2026-03-01T09:00:00Z"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect((object["data"] as? [Any])?.count == 2)
        #expect((object["meta"] as? [String: Any])?["per_page"] as? Int == 2)
        #expect(outcome.stdout.split(separator: "\n").count == 1)
        #expect(outcome.stderr.contains("sandbox: http://127.0.0.1:"))
    }

    @Test("against a running sandbox with the cookie from PIXIESET_COOKIE; API errors exit 1")
    func running() async throws {
        let serve = try await ServeProcess()
        let base = "http://127.0.0.1:\(serve.port)/api/v1"
        let env = ["PIXIESET_COOKIE": "session_cookie=sandbox", "PXSCRIPT_NOW": "2026-03-01T09:00:00Z"]
        let count = try await pxscript(["api", "GET", "conversations/unread/count", "--base-url", base], environment: env)
        #expect(count.status == 0 && count.stdout.contains("unread_count"))
        let missing = try await pxscript(["api", "GET", "/conversations/conv_NOPE/", "--base-url", base], environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: Conversation not found (CONVERSATION_NOT_FOUND, HTTP 404)\n")
        _ = await serve.stop()
    }

    @Test("an answer cut short (JSON that stops midway) is read again; still cut, said so with the body on stderr, exit 69, nothing on stdout")
    func notJSON() async throws {
        let serve = try await ServeProcess(arguments: ["--faults", "garbled=1"])
        let base = "http://127.0.0.1:\(serve.port)/api/v1"
        let env = ["PIXIESET_COOKIE": "session_cookie=sandbox", "PXSCRIPT_NOW": "2026-03-01T09:00:00Z"]
        let cut = try await pxscript(["api", "GET", "/conversations/", "--base-url", base], environment: env)
        #expect(cut.status == 69, "\(cut.stderr)")
        #expect(cut.stdout.isEmpty)
        #expect(cut.stderr.contains("the answer from the Pixieset API was cut short: got "), "\(cut.stderr)")
        #expect(cut.stderr.contains(#"{"data":["#), "\(cut.stderr)")
        _ = await serve.stop()
    }

    @Test("a refused cookie is an expired session (77) and the cookie is printed nowhere")
    func expired() async throws {
        let serve = try await ServeProcess()
        let secret = "pixieset_session=Zq9-secret-value-4471"
        let outcome = try await pxscript(
            ["api", "GET", "/conversations/", "--base-url", "http://127.0.0.1:\(serve.port)/api/v1"],
            environment: ["PIXIESET_COOKIE": secret])
        #expect(outcome.status == 77)
        #expect(outcome.stderr == "error: session expired (HTTP 401): log in to Pixieset in your browser and set PIXIESET_COOKIE to the Cookie header it sends (`pxscript login --help` shows where to find it)\n")
        #expect(!outcome.stdout.contains("Zq9") && !outcome.stderr.contains("Zq9"))
        _ = await serve.stop()
    }

    @Test("usage errors exit 64; nothing listening exits 69; no cookie exits 77", arguments: [
        (["api", "FETCH", "/conversations/"], Int32(64)),
        (["api", "GET", "../../etc/passwd"], Int32(64)),
        (["api", "GET", "https://evil.example/x"], 64),
        (["api", "GET", "/conversations/?page=2"], 64),
        (["api", "POST", "/conversation_messages", "-d", "{oops"], 64),
        (["api", "GET", "/conversations/", "-q", "novalue"], 64),
        (["api", "GET", "/conversations/", "--base-url", "http://127.0.0.1:1/api/v1"], 69),
    ] as [([String], Int32)])
    func exitCodes(arguments: [String], status: Int32) async throws {
        let outcome = try await pxscript(arguments, environment: ["PIXIESET_COOKIE": "session_cookie=x"])
        #expect(outcome.status == status, "\(outcome.stderr)")
    }

    @Test("no cookie anywhere: 77 with what to do")
    func noCookie() async throws {
        let outcome = try await pxscript(
            ["api", "GET", "/conversations/", "--base-url", "http://127.0.0.1:1/api/v1"],
            environment: ["PIXIESET_COOKIE": "", "HOME": "/nonexistent-home", "XDG_CONFIG_HOME": ""])
        #expect(outcome.status == 77)
        #expect(outcome.stderr.contains("PIXIESET_COOKIE"))
    }

    @Test("PXSCRIPT_NOW is refused against a real studio")
    func fixedNowOffLoopback() async throws {
        let outcome = try await pxscript(
            ["api", "GET", "/conversations/"], environment: ["PXSCRIPT_NOW": "2026-01-01T00:00:00Z", "PIXIESET_COOKIE": "a=b"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("PXSCRIPT_NOW"))
    }
}
