import Foundation
import PixiesetKit
import PixiesetModels
import PXState

/// A walk over every conversation for `px.conversations.each` and
/// `awaiting`, held by the host between the script's steps. The client's
/// pagination neither drops nor repeats conversations that move meanwhile.
actor ConversationCursor {
    private var pages: ConversationPages.Iterator
    /// Keeps, and may replace, each conversation (`awaiting`'s rule); nil skips it.
    private let keep: @Sendable (Conversation) async throws -> Conversation?

    init(
        pages: ConversationPages, warn: @escaping @Sendable (String) -> Void,
        keep: @escaping @Sendable (Conversation) async throws -> Conversation? = { $0 }
    ) {
        self.pages = pages.makeAsyncIterator()
        self.warn = warn
        self.keep = keep
    }

    private var stepping = false
    private var reported = 0
    /// Says which conversations a page left out (an entry no decoder reads), once each.
    let warn: @Sendable (String) -> Void

    private func reportUnreadable(_ ids: [String]) {
        guard ids.count > reported else { return }
        warn(PxModule.unreadableWarning(Array(ids[reported...])))
        reported = ids.count
    }

    func next() async throws -> Conversation? {
        // The iterator is taken out while it waits, so a second caller (the
        // same iterator shared by px.map items) must not step it meanwhile.
        guard !stepping else { throw PixiesetError.invalidRequest("this conversation iterator is already waiting for its next page; use one iterator per loop") }
        stepping = true
        defer { stepping = false }
        var iterator = pages
        defer { pages = iterator }
        while let conversation = try await iterator.next() {
            reportUnreadable(iterator.unreadable)
            if let kept = try await keep(conversation) { return kept }
        }
        reportUnreadable(iterator.unreadable)
        return nil
    }
}
