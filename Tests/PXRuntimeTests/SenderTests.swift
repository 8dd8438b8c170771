import Foundation
import PixiesetKit
import PixiesetModels
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// The send pipeline's core without Lua or a script (`PXState/Sender.swift`): reserve, the
/// studio, record; what it cannot do is a typed `SendError`.
@Suite("Sender: one send, exactly once, no Lua")
struct SenderTests {
    func withSender(_ body: (Sender, StateStore, ScriptHarness) async throws -> Void) async throws {
        try await withHarness { h in
            let store = try StateStore(path: h.statePath)
            defer { try? store.close() }
            let api = APIConfiguration(baseURL: try BaseURL(parsing: h.sandbox.baseURL), cookie: h.sandbox.cookie, retry: .fast)
            try await PixiesetClient.withClient(api, logger: h.log.logger) { client in
                let automated = AutomatedMessages(folder: h.folder.path)
                try await body(Sender(store: store, client: client, automated: automated, logger: h.log.logger, now: { Date() }), store, h)
            }
        }
    }

    /// The typed error `body` threw (nil: none).
    static func failure(_ body: () async throws(SendError) -> Void) async -> SendError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    func intent(_ h: ScriptHarness, _ text: String) throws -> SendIntent {
        SendIntent(conversationID: try #require(h.messages().first?.conversationID), content: text, attachmentIDs: [], attachmentNames: [])
    }

    @Test("reserve then deliver sends once and records it; the same key again is already sent, with the first message")
    func once() async throws {
        try await withSender { sender, store, h in
            let intent = try intent(h, "Hello from the sender")
            guard case .proceed(let entry) = try await sender.reserve(intent, key: "k:one", explicitKey: true, now: Date(), day: "2026-03-01", cap: 10)
            else { Issue.record("not reserved"); return }
            let message = try await sender.deliver(entry, position: "sender.lua:1")
            try await store.flush()
            #expect(try h.messages().filter { $0.content == "Hello from the sender" }.map(\.id) == [message.id])
            guard case .alreadySent(let json) = try await sender.reserve(intent, key: "k:one", explicitKey: true, now: Date(), day: "2026-03-01", cap: 10)
            else { Issue.record("sent twice"); return }
            #expect(json.contains(message.id))
            #expect(try store.sends.origins(of: [message.id]) == [message.id: "sender.lua:1"])
        }
    }

    @Test("paused, the cap, and a refusal by the studio are typed: refused before anything leaves, or the studio's own error")
    func typedErrors() async throws {
        try await withSender { sender, store, h in
            let intent = try intent(h, "Typed")
            try store.settings.setPaused(true, at: Date())
            let paused = await Self.failure { () async throws(SendError) in
                _ = try await sender.reserve(intent, key: "k:p", explicitKey: true, now: Date(), day: "2026-03-01", cap: 10)
            }
            guard case .refused(.paused)? = paused else { Issue.record("paused as \(String(describing: paused))"); return }
            try store.settings.setPaused(false, at: Date())
            let capped = await Self.failure { () async throws(SendError) in
                _ = try await sender.reserve(intent, key: "k:c", explicitKey: true, now: Date(), day: "2026-03-01", cap: 0)
            }
            guard case .refused(.cap(let limit, _))? = capped, limit == 0 else { Issue.record("the cap as \(String(describing: capped))"); return }
            let gone = SendIntent(conversationID: "conv_DOESNOTEXIST", content: "To nobody", attachmentIDs: [], attachmentNames: [])
            guard case .proceed(let entry) = try await sender.reserve(gone, key: "k:g", explicitKey: true, now: Date(), day: "2026-03-01", cap: 10)
            else { Issue.record("not reserved"); return }
            let refused = await Self.failure { () async throws(SendError) in _ = try await sender.deliver(entry, position: "sender.lua:2") }
            guard case .studio(.api(let failure))? = refused, failure.status == 404 else { Issue.record("a 404 as \(String(describing: refused))"); return }
            // Refused for good: forgotten, its place under the cap given back.
            try await store.flush()
            #expect(try store.sends.pendingSends().isEmpty)
            #expect(try store.sends.sendCount(day: "2026-03-01") == 0)
        }
    }
}
