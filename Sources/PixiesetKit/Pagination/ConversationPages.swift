import Logging
import PixiesetModels

/// Every conversation, page by page, as an `AsyncSequence`.
///
/// Lists are newest `last_message_at` first, so a conversation that gets a
/// new message during the scan jumps to page 1: everything behind it shifts
/// one place, and a plain page-by-page scan would see one conversation twice
/// and could miss the one that jumped. This sequence:
/// - never repeats: it remembers the ids it yielded;
/// - never drops: it notes the newest `last_message_at` of page 1 when the
///   scan starts; after the last page it reads from page 1 again, yielding
///   conversations newer than that mark that it has not yielded, until a page
///   holds nothing newer. When the list is not in that order (checked on every
///   page), the second pass reads every page instead.
public struct ConversationPages: AsyncSequence, Sendable {
    public typealias Element = Conversation

    let client: PixiesetClient
    let filter: ConversationFilter
    let pageSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, filter: filter, pageSize: pageSize)
    }

    public struct Iterator: AsyncIteratorProtocol, Sendable {
        let client: PixiesetClient
        let filter: ConversationFilter
        let pageSize: Int
        private var buffer: [Conversation] = []
        private var nextPage = 1
        private var lastPage: Int?
        private var seen = Set<String>()
        private var startMark: Timestamp?
        private var ordered = true
        private var catchingUp = false
        private var finished = false
        /// Ids (or `#N` places) of entries of the pages so far that could not be read and were left out.
        public private(set) var unreadable: [String] = []

        init(client: PixiesetClient, filter: ConversationFilter, pageSize: Int) {
            self.client = client
            self.filter = filter
            self.pageSize = pageSize
        }

        public mutating func next() async throws -> Conversation? {
            while !finished {
                if !buffer.isEmpty { return buffer.removeFirst() }
                try await load()
            }
            return buffer.isEmpty ? nil : buffer.removeFirst()
        }

        private mutating func load() async throws {
            if let lastPage, nextPage > lastPage {
                guard !catchingUp, startMark != nil else {
                    finished = true
                    return
                }
                // Second pass: conversations that moved to the front during the scan.
                catchingUp = true
                nextPage = 1
            }
            let page = try await client.conversations(filter, page: nextPage, pageSize: pageSize)
            // Once each, however often a page is read again (at most 1,000 kept).
            for id in page.unreadable where unreadable.count < 1000 && !unreadable.contains(id) { unreadable.append(id) }
            let times = page.data.compactMap(\.lastMessageAt)
            if times.count == page.data.count, zip(times, times.dropFirst()).contains(where: { $0 < $1 }) {
                if ordered {
                    client.logger.warning("the conversation list is not newest-first; reading every page to be sure nothing is missed")
                }
                ordered = false
            }
            if nextPage == 1 && !catchingUp { startMark = times.max() }
            lastPage = Swift.max(1, page.meta?.lastPage ?? nextPage)
            nextPage += 1
            var fresh = page.data.filter { seen.insert($0.id).inserted }
            if catchingUp {
                fresh = fresh.filter { conversation in
                    guard let mark = startMark, let time = conversation.lastMessageAt else { return true }
                    return time > mark
                }
                let newerOnPage = times.contains { time in startMark.map { time > $0 } ?? false }
                if ordered && !newerOnPage { finished = true }
            }
            if page.data.isEmpty { nextPage = (lastPage ?? 0) + 1 }
            buffer = fresh
        }
    }
}

extension PixiesetClient {
    /// Every conversation matching `filter`, page by page (see `ConversationPages`).
    public func allConversations(_ filter: ConversationFilter = .init(), pageSize: Int = 100) -> ConversationPages {
        ConversationPages(client: self, filter: filter, pageSize: pageSize)
    }
}
