import Foundation
import NIOHTTP1
import PixiesetKit
import PXConfig
import PXNotify
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// The dashboard over loopback (issue 21): its locks, and its actions through the commands' own code.
@Suite("pxscript dashboard")
struct DashboardTests {
    /// Asks to nudge the N-th conversation (px.args[1]), waiting for approval.
    static let nudge = """
        local n, i = tonumber(px.args[1]) or 1, 0
        for conversation in px.conversations.each{} do
          i = i + 1
          if i == n then
            local result = px.send(conversation.id, "Hi! Just checking in.", { approve = true, key = "nudge-" .. n })
            return result.approval
          end
        end
        """

    static let pages = ["/", "/approvals", "/activity", "/plan", "/results", "/activity?kind=sent&client=conv"]

    @Test("no page without the token; the token opens an HttpOnly, SameSite=Strict session and leaves the address; a wrong token or cookie is refused")
    func token() async throws {
        try await withDashboard { h in
            for page in Self.pages {
                let answer = try await h.get(page, cookie: nil)
                #expect(answer.status == 401, "\(page)")
                #expect(!answer.body.contains("Overview") || page != "/")
            }
            #expect(try await h.get("/?token=wrong-token", cookie: nil).status == 401)
            // Plain text, so no Markdown backticks in it (issue 27).
            #expect(try await !h.get("/", cookie: nil).body.contains("`"))
            #expect(try await h.get("/", cookie: "forged-session").status == 401)
            let opened = try await h.get("/?token=\(h.token)", cookie: nil)
            #expect(opened.status == 303 && opened.location == "/")
            let cookie = try #require(opened.headers.first(name: "Set-Cookie"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            let session = try await h.login()
            for page in Self.pages {
                let answer = try await h.get(page, cookie: session)
                #expect(answer.status == 200, "\(page): \(answer.body.prefix(200))")
            }
        }
    }

    @Test("hostile addresses and forms never stop the server: page numbers that would overflow, huge or broken forms, unknown ids")
    func hostileInputs() async throws {
        try await withDashboard { h in
            try await h.run(Self.nudge)
            let session = try await h.login()
            for page in ["900000000000000000", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e9", "%00"] {
                let answer = try await h.get("/activity?page=\(page)", cookie: session)
                #expect(answer.status == 200, "page=\(page)")
            }
            let csrf = try h.csrf(try await h.get("/", cookie: session).body)
            let forms: [(String, [String: String])] = [
                ("/pause", ["csrf": csrf, "script": "99999999999999999999999"]),
                ("/pause", ["csrf": csrf, "script": "-1"]),
                ("/plan", ["csrf": csrf, "script": "9223372036854775807"]),
                ("/approvals/apr_NOPE/approve", ["csrf": csrf, "text": String(repeating: "x", count: 10_000)]),
                ("/approvals/%2e%2e%2fetc/reject", ["csrf": csrf]),
            ]
            for (path, form) in forms {
                let answer = try await h.request(.POST, path, cookie: session, form: form)
                #expect([303, 200, 404].contains(answer.status), "\(path): \(answer.status)")
            }
            let big = try await h.request(.POST, "/pause", cookie: session, form: ["csrf": csrf, "script": "0", "x": String(repeating: "a", count: 200_000)])
            #expect(big.status == 413 || big.status == 400, "\(big.status)")
            // Still serving.
            #expect(try await h.get("/", cookie: session).status == 200)
        }
    }

    @Test("the overview says when notifications have not reached you, never naming the webhook")
    func undeliveredNotices() async throws {
        try await withDashboard { h in
            let config = NotifyConfig(targets: [.webhook(url: DashboardHarness.webhook, format: .text)])
            // A courier that never runs: the notice stays waiting for its target.
            let sender = NoticeSender()
            let courier = Courier(targets: NoticeTarget.all(config), sender: sender, logger: h.log.logger, now: { Date() })
            let notifier = Notifier(config: config, redactor: Redactor(cookie: nil, tokens: config.secrets), courier: courier, logger: h.log.logger)
            try await h.run("px.notify('3 clients wait')", notifier: notifier)
            let session = try await h.login()
            let page = try await h.get("/", cookie: session).body
            #expect(page.contains("1 waiting for delivery"), "\(page)")
            #expect(!page.contains("webhookSECRET"))
            await sender.shutdown()
        }
    }

    @Test("a Host other than the dashboard's own is refused (DNS rebinding), even with a session")
    func host() async throws {
        try await withDashboard { h in
            let session = try await h.login()
            let port = h.base.split(separator: ":").last.map(String.init) ?? ""
            for host in ["evil.example:\(port)", "127.0.0.1.nip.io:\(port)", "127.0.0.1:1"] {
                let answer = try await h.request(.GET, "/", cookie: session, headers: [("Host", host)])
                #expect(answer.status == 421, "\(host)")
            }
            #expect(try await h.request(.GET, "/", cookie: session, headers: [("Host", "localhost:\(port)")]).status == 200)
        }
    }

    @Test("every page carries a Content-Security-Policy without inline script, no script at all, and never the cookie or a webhook URL")
    func headersAndSecrets() async throws {
        try await withDashboard { h in
            try await h.run(Self.nudge)
            let session = try await h.login()
            for page in Self.pages {
                let answer = try await h.get(page, cookie: session)
                let policy = try #require(answer.headers.first(name: "Content-Security-Policy"))
                #expect(policy.contains("default-src 'none'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
                #expect(answer.headers.first(name: "X-Frame-Options") == "DENY")
                #expect(answer.headers.first(name: "Cache-Control") == "no-store")
                #expect(!answer.body.contains("<script"), "\(page)")
                #expect(!answer.body.contains(h.sandbox.cookie) && !answer.body.contains("webhookSECRET"), "\(page)")
            }
        }
    }

    @Test("a POST without its session's CSRF token, or from another site, is refused and changes nothing")
    func crossSite() async throws {
        try await withDashboard { h in
            let id = try #require(try await h.run(Self.nudge).results.first)
            let session = try await h.login()
            let csrf = try h.csrf(try await h.get("/approvals", cookie: session).body)
            let refusals: [(form: [String: String], headers: [(String, String)])] = [
                (["text": "Hi"], []),
                // One character changed (never to itself: an HMAC starts with "0" one time in 16).
                (["csrf": (csrf.first == "0" ? "1" : "0") + csrf.dropFirst(), "text": "Hi"], []),
                (["csrf": csrf, "text": "Hi"], [("Sec-Fetch-Site", "cross-site")]),
                (["csrf": csrf, "text": "Hi"], [("Origin", "https://evil.example")]),
            ]
            for refusal in refusals {
                let answer = try await h.request(.POST, "/approvals/\(id)/approve", cookie: session, form: refusal.form, headers: refusal.headers)
                #expect(answer.status == 403)
            }
            // What a browser sends from the page itself (Origin withheld by its privacy setting): let through to the CSRF check.
            let own = try await h.request(
                .POST, "/approvals/\(id)/reject", cookie: session, form: ["csrf": csrf, "reason": "own page"],
                headers: [("Sec-Fetch-Site", "same-origin"), ("Origin", "null")])
            #expect(own.status == 303)
            #expect(try await h.request(
                .POST, "/pause", cookie: session, form: ["csrf": csrf, "script": "0"], headers: [("Origin", "null")]).status == 403)
            // Without a session, even with the right form: refused.
            #expect(try await h.request(.POST, "/pause", cookie: nil, form: ["csrf": csrf, "script": "0"]).status == 401)
            #expect(try h.studioMessages().filter { $0.contains("checking in") }.isEmpty)
            let store = try StateStore(path: h.statePath)
            defer { try? store.close() }
            #expect(try store.approvals.find(id)?.state == .rejected && store.approvals.find(id)?.detail == "own page")
            #expect(try store.settings.isPaused() == false)
        }
    }

    @Test("approve after an edit sends the edited text once; reject keeps its reason; deciding again is refused")
    func decide() async throws {
        try await withDashboard { h in
            let first = try #require(try await h.run(Self.nudge, arguments: ["1"]).results.first)
            let second = try #require(try await h.run(Self.nudge, arguments: ["2"]).results.first)
            let session = try await h.login()
            let page = try await h.get("/approvals", cookie: session)
            #expect(page.body.contains(first) && page.body.contains(second) && page.body.contains("Hi! Just checking in."))
            // Each request with the conversation's last messages, read from the studio.
            #expect(page.body.contains("The conversation's last messages") && page.body.contains("Client:"), "\(page.body)")
            let csrf = try h.csrf(page.body)
            // An edit longer than the studio takes is refused before anything is decided or sent (issue 27).
            let long = try await h.request(.POST, "/approvals/\(first)/approve", cookie: session, form: ["csrf": csrf, "text": String(repeating: "x", count: 20_001)])
            #expect(long.location?.contains("was%20not%20approved") == true, "\(long.location ?? "")")
            #expect(try StateStore(path: h.statePath).approvals.find(first)?.state == .pending)
            let approved = try await h.request(.POST, "/approvals/\(first)/approve", cookie: session, form: ["csrf": csrf, "text": "Hi Liam! Only checking in."])
            #expect(approved.status == 303)
            #expect(approved.location?.contains("approved%20(edited)%20and%20sent") == true, "\(approved.location ?? "")")
            #expect(try h.studioMessages().filter { $0 == "Hi Liam! Only checking in." }.count == 1)
            let again = try await h.request(.POST, "/approvals/\(first)/approve", cookie: session, form: ["csrf": csrf, "text": "Hi Liam! Only checking in."])
            #expect(again.location?.contains("not%20approved%20again") == true, "\(again.location ?? "")")
            #expect(try h.studioMessages().filter { $0 == "Hi Liam! Only checking in." }.count == 1)

            let rejected = try await h.request(.POST, "/approvals/\(second)/reject", cookie: session, form: ["csrf": csrf, "reason": "booked already"])
            #expect(rejected.location?.contains("rejected") == true)
            let store = try StateStore(path: h.statePath)
            defer { try? store.close() }
            #expect(try store.approvals.find(second)?.state == .rejected && store.approvals.find(second)?.detail == "booked already")
            #expect(try store.approvals.find(first)?.edited == "Hi Liam! Only checking in.")
            // The page shows them closed, with why.
            let after = try await h.get("/approvals", cookie: session).body
            #expect(after.contains("Nothing waits for your approval") && after.contains("booked already"))
        }
    }

    @Test("pause and resume from the overview are the state's own: sends raise PAUSED until resumed")
    func pause() async throws {
        try await withDashboard { h in
            try await h.run("return 1")
            let session = try await h.login()
            let csrf = try h.csrf(try await h.get("/", cookie: session).body)
            let paused = try await h.request(.POST, "/pause", cookie: session, form: ["csrf": csrf, "script": "0"])
            #expect(paused.status == 303)
            let store = try StateStore(path: h.statePath)
            defer { try? store.close() }
            #expect(try store.settings.isPaused())
            #expect(try await h.get("/", cookie: session).body.contains("Resume sends"))
            let error = await #expect(throws: RuntimeError.self) {
                try await h.run("for c in px.conversations.each{} do px.send(c.id, 'hello'); return end")
            }
            #expect(error?.description.contains("PAUSED") == true, "\(String(describing: error))")
            _ = try await h.request(.POST, "/resume", cookie: session, form: ["csrf": csrf, "script": "0"])
            #expect(try store.settings.isPaused() == false)
        }
    }

    @Test("a dry run from the plan page shows what would go out, and sends nothing")
    func plan() async throws {
        try await withDashboard { h in
            try await h.run("return 1")
            try "for c in px.conversations.each{} do px.send(c.id, 'Spring minis are open!'); return end"
                .write(toFile: h.script, atomically: true, encoding: .utf8)
            let session = try await h.login()
            let csrf = try h.csrf(try await h.get("/plan", cookie: session).body)
            let planned = try await h.request(.POST, "/plan", cookie: session, form: ["csrf": csrf, "script": "0"])
            #expect(planned.status == 200)
            #expect(planned.body.contains("Spring minis are open!") && planned.body.contains("nudge.lua:1"), "\(planned.body)")
            #expect(try h.studioMessages().filter { $0.contains("Spring minis") }.isEmpty)
            // A watched script's schedule is previewed as it would run next (issue 27), still sending nothing.
            try """
                px.cron("0 10 1 * *", function()
                  for c in px.conversations.each{} do px.send(c.id, "Monthly news: autumn dates!") return end
                end, { name = "monthly news" })
                """.write(toFile: h.script, atomically: true, encoding: .utf8)
            let scheduled = try await h.request(.POST, "/plan", cookie: session, form: ["csrf": csrf, "script": "0"])
            #expect(scheduled.body.contains("Schedule monthly news at its next run") && scheduled.body.contains("Monthly news: autumn dates!"), "\(scheduled.body)")
            #expect(try h.studioMessages().filter { $0.contains("Monthly news") }.isEmpty)
        }
    }

    @Test("results count each script line's sends and draw the charts; the activity filters by kind and client")
    func resultsAndActivity() async throws {
        try await withDashboard { h in
            try await h.run("for c in px.conversations.each{} do px.send(c.id, 'Spring minis are open!', { key = 'spring-' .. c.id }) end")
            let session = try await h.login()
            let results = try await h.get("/results", cookie: session).body
            #expect(results.contains("line nudge.lua:1"), "\(results)")
            #expect(results.contains("<svg") && results.contains("Messages sent per day"))
            let sent = try await h.get("/activity?kind=sent", cookie: session).body
            let rows = sent.components(separatedBy: "<tr><td>").count - 1
            #expect(rows >= 2 && !sent.contains("<td>zone</td>") && sent.contains("<td>sent</td>"))
            // Each send names the script line that made it.
            #expect(sent.contains("from line nudge.lua:1"))
            let none = try await h.get("/activity?kind=sent&client=conv_NO_SUCH", cookie: session).body
            #expect(none.contains("Nothing in the journal for this filter"))
            // Every row names its client (as last seen), and a client is found by name as well as by id.
            let first = try #require(sent.firstMatch(of: /<\/a> \(([A-Za-z]+) [A-Za-z]+\)/)?.1, "\(sent)")
            let byName = try await h.get("/activity?kind=sent&client=\(first.lowercased())", cookie: session).body
            #expect(!byName.contains("Nothing in the journal") && byName.contains("</a> (\(first) "), "\(byName)")
        }
    }
}

/// Issue 28: what a request can grow, and where a redirect can send.
@Suite("Dashboard: bounded sessions, own redirects")
struct DashboardBoundsTests {
    @Test("sessions are bounded: past the limit the least recently used closes; a cookie of another length is refused at once")
    func boundedSessions() async throws {
        try await withDashboard { h in
            let first = try await h.login()
            let kept = try await h.login()
            for _ in 0..<256 {
                _ = try await h.get("/?token=\(h.token)", cookie: nil)
                // The kept one is used all along, so it is never the least recently used.
                _ = try await h.get("/", cookie: kept)
            }
            #expect(try await h.get("/", cookie: first).status == 401)
            #expect(try await h.get("/", cookie: kept).status == 200)
            #expect(try await h.get("/", cookie: String(repeating: "A", count: 60_000)).status == 401)
            #expect(try await h.get("/", cookie: kept + "A").status == 401)
        }
    }

    @Test("a redirect stays on the dashboard: a token login on //evil.example/x goes to /")
    func ownRedirects() async throws {
        try await withDashboard { h in
            for path in ["//evil.example/x", "/\\evil.example/x", "//evil.example"] {
                let answer = try await h.get("\(path)?token=\(h.token)", cookie: nil)
                // `/` itself, or a path a browser cannot take for another host (the client may send `\` as %5C).
                let location = answer.location ?? "//"
                #expect(answer.status == 303 && location.hasPrefix("/") && !location.hasPrefix("//") && !location.contains("\\"), "\(path): \(location)")
            }
            let fine = try await h.get("/approvals?token=\(h.token)", cookie: nil)
            #expect(fine.location == "/approvals")
        }
    }
}
