import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXRuntime

/// The last messages of conversations, read from the studio for the
/// approvals page: what the client and you wrote before the request. A read
/// that fails leaves that request without context; the page still works.
struct DashboardContext {
    let configuration: Dashboard.Configuration
    let logger: Logger
    /// Messages shown per conversation.
    static let shown = 3

    func lastMessages(of conversations: [String]) async -> [String: [ApprovalsPage.Message]] {
        guard !conversations.isEmpty, var api = try? configuration.api() else { return [:] }
        api.studioClock = configuration.clock.studio
        let read: [String: [Message]] = (try? await PixiesetClient.withClient(api, logger: logger) { client in
            await withTaskGroup(of: (String, [Message]?).self) { group in
                for id in Set(conversations) {
                    group.addTask { (id, try? await client.conversation(id).messages) }
                }
                var found: [String: [Message]] = [:]
                for await (id, messages) in group { found[id] = messages ?? [] }
                return found
            }
        }) ?? [:]
        return read.mapValues { messages in
            messages.suffix(Self.shown).map { message -> ApprovalsPage.Message in
                // The studio's own notes ("Invoice … was paid") are neither the client nor you.
                let (side, who) = switch message.senderType {
                case .client: ("client", "Client:")
                case .system: ("system", "Studio note:")
                default: ("studio", "You:")
                }
                return ApprovalsPage.Message(side: side, who: who, text: String(message.content.prefix(600)))
            }
        }
    }
}
