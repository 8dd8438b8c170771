import Foundation
import LuaKit
import PixiesetKit
import PixiesetModels
import Synchronization

extension PxModule {
    static let listOptions: Set<String> = ["client_id", "page", "page_size", "message", "message_status"]

    /// `px.conversations.list/get/each/awaiting`, `px.unread`.
    static func installConversations(on lua: LuaState, context: PxContext) {
        let client = context.client
        lua.registerAsync("list", in: "px.conversations") { args in
            let options = try OptionsTable(args, 1, known: listOptions)
            let filter = try conversationFilter(options)
            let page = try options.integer("page"), pageSize = try options.integer("page_size")
            return {
                do {
                    return [try LuaValueEncoder().encode(try await client.conversations(filter, page: page, pageSize: pageSize))]
                } catch { throw PxError.from(error) }
            }
        }
        lua.registerAsync("get", in: "px.conversations") { args in
            let id = try args.string(1)
            let options = try OptionsTable(args, 2, known: ["messages"])
            let messages = try options.boolean("messages") ?? true
            return {
                do { return [try LuaValueEncoder().encode(try await client.conversation(id, messages: messages))] } catch { throw PxError.from(error) }
            }
        }
        lua.registerAsync("unread", in: "px") { _ in
            {
                do { return [try LuaValueEncoder().encode(try await client.unreadCount())] } catch { throw PxError.from(error) }
            }
        }
        lua.register("each", in: "px.__host") { args in
            let options = try OptionsTable(args, 1, known: listOptions.subtracting(["page"]))
            let pages = client.allConversations(try conversationFilter(options), pageSize: try options.integer("page_size") ?? 100)
            return [.integer(context.openCursor(ConversationCursor(pages: pages)))]
        }
        lua.register("awaiting", in: "px.__host") { args in
            let options = try OptionsTable(args, 1, known: ["on", "older_than", "client_id"])
            let side = try options.string("on") ?? "client"
            guard side == "client" || side == "studio" else {
                throw LuaScriptError("bad argument #1 to 'awaiting' (field 'on' must be \"client\" or \"studio\")")
            }
            let olderThan = try options.duration("older_than") ?? 0
            let filter = ConversationFilter(clientID: try options.string("client_id"), includeMessages: true, messageStatus: "inbox")
            let now = context.clock.now()
            let pages = client.allConversations(filter, pageSize: 100)
            return [.integer(context.openCursor(ConversationCursor(pages: pages) { conversation in
                try await awaiting(conversation, on: side, olderThan: olderThan, now: now, client: client)
            }))]
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
                    return [try LuaValueEncoder().encode(conversation)]
                } catch {
                    context.closeCursor(id)
                    throw PxError.from(error)
                }
            }
        }
    }

    static func conversationFilter(_ options: OptionsTable) throws -> ConversationFilter {
        ConversationFilter(
            clientID: try options.string("client_id"), includeMessages: try options.boolean("message") ?? false,
            messageStatus: try options.string("message_status"))
    }

    /// The conversation when its last non-system message is the studio's
    /// (`on = "client"`: waiting on the client) or the client's (`"studio"`),
    /// sent at least `olderThan` seconds before `now`.
    static func awaiting(_ conversation: Conversation, on side: String, olderThan: Double, now: Date, client: PixiesetClient) async throws
        -> Conversation?
    {
        guard conversation.status != .archived else { return nil }
        var latest = conversation.messages?.max { $0.sentAt < $1.sentAt }
        if latest?.senderType == .system || latest == nil {
            // The list shows the latest message only; a system note hides the last real one.
            let full = try await client.conversation(conversation.id, messages: true)
            latest = full.messages?.filter { $0.senderType != .system }.max { $0.sentAt < $1.sentAt }
        }
        guard let latest else { return nil }
        let studioWroteLast = latest.senderType != .client
        guard studioWroteLast == (side == "client") else { return nil }
        guard latest.sentAt.secondsSince1970 <= now.timeIntervalSince1970 - olderThan else { return nil }
        return conversation
    }
}

extension PxContext {
    func openCursor(_ cursor: ConversationCursor) -> Int64 {
        cursors.withLock {
            $0.next += 1
            $0.open[$0.next] = cursor
            return $0.next
        }
    }

    func cursor(_ id: Int64) -> ConversationCursor? { cursors.withLock { $0.open[id] } }
    func closeCursor(_ id: Int64) { cursors.withLock { _ = $0.open.removeValue(forKey: id) } }
}
