import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXState
import Synchronization

extension PxModule {
    static let listOptions = PxOptionNames.list

    /// `page_size`, or `per_page` (the name the API's pagination page uses); both at once is a mistake.
    static func pageSizeOption(_ options: OptionsTable) throws -> Int? {
        let size = try options.integer("page_size"), per = try options.integer("per_page")
        if size != nil, per != nil { throw options.problem("per_page", "absent when page_size is given (they are the same option)", got: .integer(Int64(per!))) }
        return size ?? per
    }

    /// `px.conversations.list/get/each/awaiting`, `px.unread`.
    static func installConversations(on lua: LuaState, context: PxContext) {
        let client = context.client
        lua.registerAsync("list", in: "px.conversations") { args in
            let options = try OptionsTable(args, 1, known: listOptions)
            let filter = try conversationFilter(options)
            let page = try options.integer("page"), pageSize = try pageSizeOption(options)
            return {
                do {
                    let found = try await client.conversations(filter, page: page, pageSize: pageSize)
                    if !found.unreadable.isEmpty { context.logger.warning("\(unreadableWarning(found.unreadable))") }
                    context.noteNames(found.data)
                    return [context.forScript(found, messages: found.data.flatMap { $0.messages ?? [] })]
                } catch { throw PxError.from(error) }
            }
        }
        lua.registerAsync("get", in: "px.conversations") { args in
            let id = try args.string(1)
            let options = try OptionsTable(args, 2, known: ["messages"])
            let messages = try options.boolean("messages") ?? true
            return {
                do {
                    let conversation = try await client.conversation(id, messages: messages)
                    context.noteNames([conversation])
                    return [context.forScript(conversation, messages: conversation.messages ?? [])]
                } catch { throw PxError.from(error) }
            }
        }
        lua.registerAsync("unread", in: "px") { _ in
            {
                do { return [.encoded(LuaEncoded(try await client.unreadCount()))] } catch { throw PxError.from(error) }
            }
        }
        lua.register("each", in: "px.__host") { args in
            let options = try OptionsTable(args, 1, known: listOptions.subtracting(["page"]))
            let pages = client.allConversations(try conversationFilter(options), pageSize: try pageSizeOption(options) ?? 100)
            let logger = context.logger
            return [.integer(try context.openCursor(ConversationCursor(pages: pages) { logger.warning("\($0)") }))]
        }
        lua.register("awaiting", in: "px.__host") { args in
            let options = try OptionsTable(args, 1, known: PxOptionNames.awaiting)
            let side = try options.string("on") ?? "client"
            guard side == "client" || side == "studio" else {
                throw LuaScriptError("bad argument #1 to 'awaiting' (field 'on' must be \"client\" or \"studio\")")
            }
            let rule = AwaitingRule(
                waitingOnClient: side == "client", olderThan: try options.duration("older_than") ?? 0,
                newerThan: try options.duration("newer_than"), countsAutomated: try options.boolean("automated") ?? false)
            let filter = ConversationFilter(clientID: try options.string("client_id"), includeMessages: true, messageStatus: "inbox")
            let now = context.clock.now()
            let pages = client.allConversations(filter, pageSize: 100)
            let logger = context.logger
            return [.integer(try context.openCursor(ConversationCursor(pages: pages, warn: { logger.warning("\($0)") }) { conversation in
                try await awaiting(conversation, rule, now: now, context: context)
            }))]
        }
        lua.register("cursor_close", in: "px.__host") { args in
            context.closeCursor(try args.integer(1))
            return []
        }
        lua.registerAsync("cursor_next", in: "px.__host") { args in
            let id = try args.integer(1)
            guard let cursor = context.cursor(id) else { return { [] } }
            return {
                do {
                    guard let conversation = try await cursor.next() else {
                        context.closeCursor(id)
                        return [.nil]
                    }
                    context.noteNames([conversation])
                    return [context.forScript(conversation, messages: conversation.messages ?? [])]
                } catch {
                    context.closeCursor(id)
                    throw PxError.from(error)
                }
            }
        }
    }

    /// What a script's log says of conversations a page left out; the list's `unreadable` names them too.
    static func unreadableWarning(_ ids: [String]) -> String {
        let shown = ids.prefix(20).map { TerminalText.escaped($0) }.joined(separator: ", ")
        return "\(ids.count) conversation\(ids.count == 1 ? "" : "s") of the studio's answer could not be read and \(ids.count == 1 ? "was" : "were") left out: "
            + shown + (ids.count > 20 ? ", …" : "")
    }

    static func conversationFilter(_ options: OptionsTable) throws -> ConversationFilter {
        ConversationFilter(
            clientID: try options.string("client_id"), includeMessages: try options.boolean("message") ?? false,
            messageStatus: try options.string("message_status"))
    }

    /// What `px.conversations.awaiting{…}` asks of a conversation (docs/spec.md §4).
    struct AwaitingRule: Sendable {
        /// `on = "client"`: the studio wrote last; `"studio"`: the client did.
        let waitingOnClient: Bool
        /// Seconds since the last non-system message, of any kind, at least…
        let olderThan: Double
        /// …and at most (no nudges on six-month-old threads).
        let newerThan: Double?
        /// `automated = true`: pxscript's own messages count as the studio's
        /// answer. By default only personal ones do, so a new inquirer who
        /// was only auto-acknowledged is still waiting on the studio.
        let countsAutomated: Bool
    }

    /// The conversation when it matches `rule` at `now` (studio time).
    static func awaiting(_ conversation: Conversation, _ rule: AwaitingRule, now: Date, context: PxContext) async throws -> Conversation? {
        guard conversation.status != .archived else { return nil }
        var messages = conversation.messages ?? []
        let latest = messages.max { $0.sentAt < $1.sentAt }
        // The list shows the latest message only: a system note, or a message of
        // pxscript's that does not count, hides the one that decides.
        if latest == nil || latest?.senderType == .system || (!rule.countsAutomated && latest.map(context.isAutomated) == true) {
            messages = try await context.client.conversation(conversation.id, messages: true).messages ?? []
        }
        let spoken = messages.filter { $0.senderType != .system }.sorted { $0.sentAt < $1.sentAt }
        guard let last = spoken.last else { return nil }
        // Never below zero: a message the studio dated a moment ahead of the time measured so far is new, not from the future.
        let age = max(0, now.timeIntervalSince1970 - last.sentAt.secondsSince1970)
        guard age >= rule.olderThan, rule.newerThan.map({ age <= $0 }) ?? true else { return nil }
        let automated = rule.countsAutomated ? [] : context.automatedIDs(in: spoken)
        guard let deciding = spoken.last(where: { $0.senderType == .client || !automated.contains($0.id) }) else { return nil }
        return (deciding.senderType != .client) == rule.waitingOnClient ? conversation : nil
    }
}

extension PxContext {
    /// Walks open at once, at most: each holds a page of conversations in the host, outside the script's memory.
    static let maximumOpenCursors = 1_000

    func openCursor(_ cursor: ConversationCursor) throws -> Int64 {
        try cursors.withLock {
            guard $0.open.count < Self.maximumOpenCursors else {
                throw LuaScriptError(
                    "more than \(Self.maximumOpenCursors) conversation walks (px.conversations.each, awaiting) open at once; "
                        + "walk them in a for loop, which ends each one")
            }
            $0.next += 1
            $0.open[$0.next] = cursor
            return $0.next
        }
    }

    func cursor(_ id: Int64) -> ConversationCursor? { cursors.withLock { $0.open[id] } }
    func closeCursor(_ id: Int64) { cursors.withLock { _ = $0.open.removeValue(forKey: id) } }
}
