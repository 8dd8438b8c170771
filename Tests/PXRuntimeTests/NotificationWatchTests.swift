import Foundation
import PixiesetKit
import PXConfig
import PXNotify
import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// The daemon's notifications on a virtual clock, delivered to a loopback webhook (issue 20).
@Suite("Notifications under watch: once per condition, cleared once, never in the way")
struct NotificationWatchTests {
    /// The titles the webhook took (JSON format), in order.
    static func titles(_ receiver: WebhookReceiver) -> [String] {
        receiver.delivered.compactMap { body in
            (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["title"] as? String
        }
    }

    @Test("a parked handler notifies once (with the client and the error's first line), not again while parked, and once when it works again")
    func parkedOnceThenCleared() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: studio.log, now: { studio.clock.now() })
                let script = """
                    px.on("message", function(event)
                      if event.message.content:find("boom") then error("cannot read the wedding date\\nsecond line") end
                      event:reply("thanks")
                    end)
                    """
                try await studio.daemon([("reply.lua", script)], notifier: notifying.notifier) {
                    let id = try studio.clientConversations(1)[0]
                    try await studio.clientWrites(id, "boom")
                    for _ in 0..<4 { await studio.advance(by: 60) }
                    #expect(await receiver.wait { receiver.delivered.count == 1 })
                    try await studio.clientWrites(id, "boom again")
                    for _ in 0..<4 { await studio.advance(by: 60) }
                    try await studio.clientWrites(id, "hello")
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count >= 2 })
                }
                await notifying.close()
                let titles = Self.titles(receiver)
                #expect(titles.count == 2, "\(titles)")
                #expect(titles.first?.hasPrefix("pxscript: a handler failed for ") == true)
                #expect(titles.last?.hasPrefix("pxscript: the handler works again for ") == true)
                let first = receiver.delivered[0]
                #expect(first.contains("cannot read the wedding date") && !first.contains("second line"))
            }
        }
    }

    @Test("a webhook that hangs holds no reply: the handler's px.notify is written, the reply goes out, the notice arrives once released")
    func hangingWebhookDoesNotBlock() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                receiver.hold()
                let notifying = Notifying([.webhook(url: base + "/hook", format: .text)], log: studio.log, now: { studio.clock.now() })
                let script = """
                    px.on("message", function(event)
                      px.notify("new message from " .. event.client.name)
                      event:reply("thanks, " .. event.client.name)
                    end)
                    """
                try await studio.daemon([("reply.lua", script)], notifier: notifying.notifier) {
                    let ids = try studio.clientConversations(2)
                    try await studio.clientWrites(ids[0], "Hello?")
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.arrived.withLock { $0.count } == 1 })
                    // The first notice is still held by the webhook: later work goes on regardless.
                    try await studio.clientWrites(ids[1], "Hi")
                    await studio.advance(by: 60)
                    #expect(try studio.studioMessages(in: ids[0]).filter { $0.content.hasPrefix("thanks") }.count == 1)
                    #expect(try studio.studioMessages(in: ids[1]).filter { $0.content.hasPrefix("thanks") }.count == 1)
                    #expect(receiver.answered.withLock { $0.count } == 0)
                    receiver.release()
                    #expect(await receiver.wait { receiver.delivered.count == 2 })
                }
                await notifying.close()
                #expect(receiver.delivered.allSatisfy { $0.contains("new message from") })
            }
        }
    }

    @Test("a refused session notifies once; the renewed cookie clears it")
    func sessionExpiredAndRenewed() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: studio.log, now: { studio.clock.now() })
                let renewed = CookieSource(environment: ["PIXIESET_COOKIE": studio.sandbox.cookie], configPath: nil)
                try await studio.daemon(
                    [("reply.lua", WatchServiceTests.autoreply)], notifier: notifying.notifier, cookie: "sessionid=expired-cookie-000000",
                    cookies: renewed
                ) {
                    await studio.advance(by: 60)
                    // The renewed cookie may be taken within the same minute: its "works again" can follow at once.
                    #expect(await receiver.wait { receiver.delivered.count >= 1 })
                    // A client writes: the next poll reads the renewed cookie and works.
                    let id = try studio.clientConversations(1)[0]
                    try await studio.clientWrites(id, "Hello?")
                    await studio.advance(by: 60)
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 2 })
                }
                await notifying.close()
                #expect(Self.titles(receiver) == ["pxscript: the Pixieset session expired", "pxscript: the Pixieset session works again; sends go out"])
                #expect(receiver.delivered.allSatisfy { !$0.contains(studio.sandbox.cookie) && !$0.contains("expired-cookie-000000") })
            }
        }
    }

    @Test("a daemon that did not stop (killed, power lost) is reported on its next start, with what it caught up; one stopped on purpose is not")
    func downtime() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: studio.log, now: { studio.clock.now() })
                let store = try StateStore(path: studio.statePath("reply.lua"))
                try store.settings.set(.heartbeat, String(studio.clock.now().timeIntervalSince1970 - 3 * 3_600))
                try store.close()
                try await studio.daemon([("reply.lua", WatchServiceTests.autoreply)], notifier: notifying.notifier) {
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 1 })
                }
                // Stopped on purpose this time: three hours later, the next start says nothing.
                await studio.advance(by: 3 * 3_600)
                try await studio.daemon([("reply.lua", WatchServiceTests.autoreply)], notifier: notifying.notifier) {
                    await studio.advance(by: 60)
                }
                await notifying.close()
                #expect(Self.titles(receiver) == ["pxscript was not running for 3h"])
                #expect(receiver.delivered[0].contains("On start it caught up"))
            }
        }
    }

    @Test("approvals waiting: one digest lists them; more within the interval wait for the next digest")
    func approvalDigest() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: studio.log, digest: 3_600, now: { studio.clock.now() })
                let script = "px.on('message', function(event) event:reply('Welcome, ' .. event.client.name, { approve = true, expires = '1d' }) end)"
                try await studio.daemon([("welcome.lua", script)], notifier: notifying.notifier) {
                    let ids = try studio.clientConversations(3)
                    try await studio.clientWrites(ids[0], "Hello?")
                    try await studio.clientWrites(ids[1], "Hi there")
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 1 })
                    try await studio.clientWrites(ids[2], "Are you free in June?")
                    await studio.advance(by: 600)
                    #expect(receiver.delivered.count == 1)
                    await studio.advance(by: 3_600)
                    #expect(await receiver.wait { receiver.delivered.count == 2 })
                }
                await notifying.close()
                #expect(Self.titles(receiver) == ["pxscript: 2 messages wait for your approval", "pxscript: 1 message waits for your approval"])
                #expect(receiver.delivered[0].contains("apr_") && receiver.delivered[0].contains("Welcome, "))
            }
        }
    }

    @Test("the send cap reached notifies once; the next day's sends clear it")
    func capReached() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: studio.log, now: { studio.clock.now() })
                try await studio.daemon([("reply.lua", WatchServiceTests.autoreply)], maxSends: 1, notifier: notifying.notifier) {
                    let ids = try studio.clientConversations(2)
                    try await studio.clientWrites(ids[0], "Hello?")
                    try await studio.clientWrites(ids[1], "Hi")
                    await studio.advance(by: 60)
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 1 })
                    await studio.advance(by: 86_400)
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 2 })
                }
                await notifying.close()
                #expect(Self.titles(receiver) == ["pxscript: the daily send cap (1) is reached", "pxscript: sends go out again (a new day under the send cap)"])
            }
        }
    }

    @Test("an edit that does not load notifies once; an edit that loads clears it")
    func reloadFailure() async throws {
        try await withWebhook { receiver, base in
            try await withVirtualStudio { studio in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .json)], log: studio.log, now: { studio.clock.now() })
                try await studio.daemon([("reply.lua", WatchServiceTests.autoreply)], notifier: notifying.notifier) {
                    let path = studio.folder.appendingPathComponent("reply.lua").path
                    let id = try studio.clientConversations(1)[0]
                    try Self.edit(path, "px.on('message', function(event)")
                    try await studio.clientWrites(id, "Hello?")
                    await studio.advance(by: 60)
                    try await studio.clientWrites(id, "Hello again?")
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 1 })
                    try Self.edit(path, WatchServiceTests.vacation)
                    try await studio.clientWrites(id, "Anyone?")
                    await studio.advance(by: 60)
                    #expect(await receiver.wait { receiver.delivered.count == 2 })
                }
                await notifying.close()
                let titles = Self.titles(receiver)
                #expect(titles.count == 2, "\(titles)")
                #expect(titles.first?.hasSuffix("reply.lua changed but does not load") == true)
                #expect(titles.last?.hasSuffix("reply.lua loads again") == true)
            }
        }
    }

    /// Rewrites `path` with a modification time a minute later than the last (reload goes by it).
    static func edit(_ path: String, _ text: String) throws {
        let before = (try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: before.addingTimeInterval(60)], ofItemAtPath: path)
    }
}
