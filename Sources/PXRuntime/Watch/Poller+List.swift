import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXState

/// The list side of a poll: how far to read, what the order says.
extension Poller {
    struct ListRead {
        var conversations: [Conversation]
        var requests: Int
        var ordered: Bool
        /// The newest `last_message_at` not from the future.
        var newest: Int64?
    }

    /// Reads pages while they may hold news: an ordered page wholly at or past the floor (or, for
    /// a sweep, past the window's start) may be followed by more; an unordered list is read to the
    /// bound. `meta.last_page` is not trusted to end it early.
    func readList(floor: Int64?, windowStart: Int64?, firstStart: Bool, ceiling: Int64, at now: Date) async throws -> ListRead {
        var read = ListRead(conversations: [], requests: 0, ordered: true, newest: nil)
        var seen = Set<String>(), page = 1
        var metaLastPage: Int?
        while true {
            let list = try await client.conversations(ConversationFilter(includeMessages: true), page: page, pageSize: pageSize)
            read.requests += 1
            if let last = metaLastPage, page > last, !list.data.isEmpty {
                noteQuirk("said meta.last_page \(last) with more pages")
            }
            if let last = metaLastPage, page > last, !list.data.isEmpty, memory.warned.first("meta") {
                logger.warning("the API's meta.last_page said \(last), but page \(page) had conversations; pages are read as long as they hold news")
            }
            metaLastPage = list.meta?.lastPage
            // An entry no decoder reads is set aside like a conversation that answers 404; said once each.
            // At most 20 said a page: a hostile answer of 100,000 bad entries does not flood the log and journal.
            for id in list.unreadable.prefix(20) where memory.warned.first("unreadable:" + id) {
                logger.warning("a conversation in the list cannot be read (\(id)); it is set aside, the others go on")
                try await store.journal.append(
                    .conversationUnreadable, conversationID: id.hasPrefix("#") ? nil : id,
                    detail: "its entry in the list cannot be read (page \(page)\(id.hasPrefix("#") ? ", entry \(id.dropFirst())" : ""))", at: now)
            }
            let entries = list.data.count + list.unreadable.count
            let times = list.data.map { Self.signature(of: $0).time }
            if zip(times, times.dropFirst()).contains(where: { $0 < $1 }) { read.ordered = false }
            for (conversation, time) in zip(list.data, times) {
                if time > ceiling {
                    noteQuirk("listed a conversation with a time from the future")
                    if memory.warned.first("future:" + conversation.id) {
                        logger.warning("\(conversation.id) says its last message is from the future (\(ISOTime.format(Date(timeIntervalSince1970: Double(time) / 1_000_000)))); it does not move the watermark")
                    }
                } else {
                    read.newest = max(read.newest ?? time, time)
                }
                if seen.insert(conversation.id).inserted { read.conversations.append(conversation) }
            }
            guard entries > 0, page < maxPages else { break }
            // A page shorter than asked is the last, whatever meta says; a full one may not be (its unreadable entries count).
            let mayContinue = entries >= pageSize || (list.meta?.lastPage ?? page) > page
            guard mayContinue else { break }
            let oldest = times.filter { $0 <= ceiling }.min() ?? .max
            let threshold: Int64? = firstStart ? (read.newest.map { $0.minus(Self.historySlack) }) : [floor, windowStart].compactMap { $0 }.min()
            if read.ordered {
                // Ordered: the next page can only hold news if this whole page did.
                guard let threshold, oldest >= threshold else { break }
            }
            page += 1
        }
        if !read.ordered { noteQuirk("listed conversations out of order") }
        if !read.ordered, memory.warned.first("unordered") {
            logger.warning("the conversation list is not ordered by last_message_at; every poll scans up to \(maxPages) page(s) instead of trusting it")
        }
        return read
    }

}
