import Foundation
import Testing
import TestSupport

/// Issue 28, class 3: a hostile server's large answer costs at most what the script may hold.
@Suite("Decoding a large answer under --max-memory")
struct DecodeMemoryTests {
    @Test("a 29 MB list answer under --max-memory 16M is refused before it is decoded: peak memory stays near the answer's size, not 16 times it")
    func largeAnswer() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let (size, peak, status, text) = try await Self.measure(folder, memory: "16M", mode: "large")
        #expect(size > 28_000_000)
        #expect(status == 1 && text.contains("more than a script may hold (--max-memory)"), "\(text)")
        // Before: 469 MB resident. Now the answer is refused as it arrives, past 16 MiB.
        #expect(peak < 4 * size, "peak \(peak) bytes for an answer of \(size)")
    }

    @Test("a 29 MB list answer under the default --max-memory is decoded once: typed entry by entry, then straight into Lua's tables, costing under 5 times its size beside pxscript's own memory (it took 12 times)")
    func decodedOnce() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let (size, peak, status, text) = try await Self.measure(folder, memory: "256M", mode: "large")
        #expect(status == 0 && text.contains("7300"), "\(text)")
        // Side by side: the same binary running a script that reads nothing.
        let base = try await Self.baseline(folder)
        // Lua's own tables for this page take 1.7 times its size; the answer's bytes and its typed values the rest.
        #expect(peak - base < 5 * size, "peak \(peak) bytes, \(base) for a script that reads nothing, for an answer of \(size)")
    }

    @Test("a large answer cut short, or a large error body, is judged without building it: a parser that builds nothing, an error's details left unread past 64 KiB")
    func cutAndError() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let base = try await Self.baseline(folder)
        let (cutSize, cutPeak, cutStatus, cutText) = try await Self.measure(folder, memory: "256M", mode: "cut")
        // Cut short is the studio's passing trouble (BAD_RESPONSE, kind cut_short): exit 69, as an outage.
        #expect(cutStatus == 69 && cutText.contains("was cut short: got \(cutSize) bytes"), "\(cutText)")
        // The answer itself and little more (it took 8.8 times its size: a decoder, then JSONSerialization, built it).
        #expect(cutPeak - base < 2 * cutSize, "peak \(cutPeak) bytes, \(base) reading nothing, for a cut answer of \(cutSize)")
        let (errorSize, errorPeak, errorStatus, errorText) = try await Self.measure(folder, memory: "256M", mode: "error")
        #expect(errorStatus == 1 && errorText.contains("bad (INVALID)"), "\(errorText)")
        // The answer and the decoder's map of it, not its details as values (it took 6.2 times).
        #expect(errorPeak - base < 4 * errorSize, "peak \(errorPeak) bytes, \(base) reading nothing, for an error body of \(errorSize)")
    }

    @Test("pxscript api prints a 29 MB answer laid out again, not rebuilt as objects: under 5 times its size (it took 15 times)")
    func apiCommand() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let base = try await Self.baseline(folder)
        let (size, peak, status, text) = try await Self.measure(folder, mode: "large", command: "api GET conversations/", name: "api")
        #expect(status == 0, "\(text.prefix(500))")
        // One line in a pipe, the server's bytes: as long as the answer but for its spaces.
        let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        let printed = lines.count > 1 ? lines[1] : ""
        #expect(printed.utf8.count > size * 9 / 10 && printed.hasPrefix(#"{"data":[{"id":"conv_000000000000","subject":"#), "\(printed.prefix(200))")
        #expect(peak - base < 5 * size, "peak \(peak) bytes, \(base) reading nothing, for an answer of \(size)")
    }

    @Test("one conversation of 80,000 messages (29 MB) is decoded message by message: under 4.5 times its size (it took 4.8 times)")
    func conversationDecodedOnce() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let base = try await Self.baseline(folder)
        let (size, peak, status, text) = try await Self.measure(folder, memory: "256M", mode: "one", script: "get.lua")
        #expect(status == 0 && text.contains("80000"), "\(text.prefix(300))")
        #expect(Double(peak - base) < 4.5 * Double(size), "peak \(peak) bytes, \(base) reading nothing, for an answer of \(size)")
    }

    @Test("an error body of millions of tiny values is no error body: never decoded (it took 26 times its size)")
    func denseError() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let base = try await Self.baseline(folder)
        let (size, peak, status, text) = try await Self.measure(folder, memory: "256M", mode: "dense-error")
        #expect(status == 1 && text.contains("HTTP 422"), "\(text.prefix(600))")
        #expect(peak - base < 2 * size, "peak \(peak) bytes, \(base) reading nothing, for an error body of \(size)")
    }

    @Test("pxscript api: a body that is not JSON reaches stderr escaped; dense valid JSON is printed as the same JSON")
    func apiShowsBodiesSafely() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let (_, _, status, text) = try await Self.measure(folder, mode: "escapes", command: "api GET conversations/", name: "api")
        #expect(status == 69 && text.contains(#"oops \e]0;PWNED\x07\e[2J\e[31mRED"#), "\(text)")
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"))
        let (_, _, denseStatus, dense) = try await Self.measure(folder, mode: "dense-json", command: "api GET conversations/", name: "dense")
        let printed = dense.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().first ?? ""
        #expect(denseStatus == 0 && printed == #"["a\"b\\c""# + String(repeating: ",1", count: 20000) + "]", "\(printed.prefix(80))")
    }

    @Test("an answer of millions of tiny values ({},{},…) is refused before parsing: memory stays a small multiple of its size (it took 1.8 GB)")
    func tinyValues() async throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let (size, peak, status, text) = try await Self.measure(folder, memory: "256M", mode: "tiny")
        #expect(status == 1 && text.contains("far more values than any answer of this API"), "\(text)")
        #expect(peak < 10 * size, "peak \(peak) bytes for an answer of \(size)")
    }

    /// A folder with the script, the hostile server and the measuring launcher.
    static func folder() throws -> RunFolder {
        try RunFolder([
            "list.lua": "local n = #px.conversations.list{ page_size = 100 }.data print(n) return n\n",
            "nothing.lua": "return 0\n",
            "get.lua": "local n = #px.conversations.get('conv_000000000001').messages print(n) return n\n",
            // The hostile server, in a process of its own: its memory is not the measured one's.
            "serve.py": #"""
                import json, http.server, sys
                conv = lambda i: {"id": "conv_%012d" % i, "subject": "S" * 50, "status": "active", "last_message_at": "2026-03-01T09:00:00.000000Z",
                  "participants": [{"id": "cli_%d" % i, "type": "client", "name": "Client %d" % i}],
                  "messages": [{"id": "msg_%d_%d" % (i, j), "conversation_id": "conv_%012d" % i, "content": "x" * 200,
                                "sent_at": "2026-03-01T09:00:00.000000Z", "sender_type": "client", "attachments": []} for j in range(10)]}
                body = json.dumps({"data": [conv(i) for i in range(7300)], "meta": {"current_page": 1, "last_page": 1}}).encode()
                status = 200
                if sys.argv[2] == "tiny":
                    body = b'{"data":[' + b','.join([b'{}'] * 5000000) + b'],"meta":{}}'
                if sys.argv[2] == "cut":
                    body = body[: len(body) * 9 // 10]
                if sys.argv[2] == "error":
                    status, body = 422, json.dumps({"error": "bad", "code": "INVALID", "details": json.loads(body)}).encode()
                if sys.argv[2] == "one":
                    c = conv(1); c["messages"] = c["messages"] * 8000; body = json.dumps({"data": c}).encode()
                if sys.argv[2] == "dense-error":
                    status, body = 422, b'{"error":"bad","code":"INVALID","details":[' + b','.join([b'0'] * 12000000) + b']}'
                if sys.argv[2] == "escapes":
                    body = b'oops \x1b]0;PWNED\x07\x1b[2J\x1b[31mRED'
                if sys.argv[2] == "dense-json":
                    body = b'["a\\"b\\\\c"' + b',1' * 20000 + b']'

                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(status); self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                    def log_message(self, *a): pass
                # Gone with the shell that started it, should its kill miss (orphans were left behind).
                import os, threading, time
                parent = os.getppid()
                def orphaned():
                    while os.getppid() == parent: time.sleep(0.5)
                    os._exit(0)
                threading.Thread(target=orphaned, daemon=True).start()
                server = http.server.HTTPServer(("127.0.0.1", 0), H)
                open(sys.argv[1] + ".tmp", "w").write("%d %d" % (server.server_port, len(body)))
                __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
                server.serve_forever()
                """#,
            // A small launcher: the peak resident memory of its one child, pxscript.
            "measure.py": #"""
                import os, resource, subprocess, sys
                port, size = open(sys.argv[1]).read().split()
                env = dict(os.environ, PXSCRIPT_BASE_URL="http://127.0.0.1:%s/api/v1" % port, PIXIESET_COOKIE="a=b")
                run = subprocess.run(sys.argv[2:], env=env, capture_output=True, text=True)
                print(size, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, run.returncode)
                print(run.stdout + run.stderr)
                """#,
        ])
    }

    /// The answer's size, pxscript's peak resident memory, its exit status and its output.
    static func measure(_ folder: RunFolder, memory: String, mode: String, script: String = "list.lua") async throws -> (Int, Int, Int, String) {
        try await measure(folder, mode: mode, command: "run '\(folder.path(script))' --max-memory \(memory)", name: script)
    }

    /// pxscript's peak memory running a script that reads nothing: the measure's zero (no server is
    /// started for it: the script asks for no answer).
    static func baseline(_ folder: RunFolder) async throws -> Int {
        var env = folder.environment()
        env["PXSCRIPT_NOW"] = nil
        let port = folder.path("port-none")
        try "9 0".write(toFile: port, atomically: true, encoding: .utf8)
        let outcome = try await shell(
            "python3 '\(folder.path("measure.py"))' '\(port)' '\(pxscriptBinary.path)' run '\(folder.path("nothing.lua"))' --max-memory 256M",
            environment: env)
        let numbers = (outcome.stdout.split(separator: "\n").first ?? "").split(separator: " ").compactMap { Int($0) }
        try #require(numbers.count == 3 && numbers[2] == 0, "\(outcome.stdout)\(outcome.stderr)")
        return numbers[1]
    }

    static func measure(_ folder: RunFolder, mode: String, command: String, name: String) async throws -> (Int, Int, Int, String) {
        var env = folder.environment()
        env["PXSCRIPT_NOW"] = nil
        let port = folder.path("port-\(mode)-\(name)")
        let outcome = try await shell(
            """
            python3 '\(folder.path("serve.py"))' '\(port)' \(mode) >/dev/null 2>&1 & server=$!
            for i in $(seq 1 \(Int(Patience.seconds) * 10)); do [ -f '\(port)' ] && break; sleep 0.1; done
            python3 '\(folder.path("measure.py"))' '\(port)' '\(pxscriptBinary.path)' \(command)
            kill $server
            """, environment: env)
        let numbers = (outcome.stdout.split(separator: "\n").first ?? "").split(separator: " ").compactMap { Int($0) }
        try #require(numbers.count == 3, "\(outcome.stdout)\(outcome.stderr)")
        return (numbers[0], numbers[1], numbers[2], outcome.stdout)
    }
}
