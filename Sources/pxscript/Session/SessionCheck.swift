import Foundation
import PixiesetKit
import PixiesetModels

/// The one read `login` and `doctor` make to know a cookie works: the
/// unread count (cheap, read-only), which also carries the studio's `Date`.
enum SessionCheck {
    struct Result {
        let unread: UnreadCount
        /// Seconds the studio's clock is ahead of this machine's (negative: behind); nil without a `Date` header.
        let clockOffset: Double?
    }

    /// A couple of quick tries: a photographer at the prompt should not wait a minute for an answer.
    static let policy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(300), maxDelay: .seconds(1), deadline: .seconds(15))

    static func run(_ api: APIConfiguration) async throws -> Result {
        var api = api
        api.retry = policy
        api.connectTimeout = .seconds(5)
        api.requestTimeout = .seconds(15)
        return try await PixiesetClient.withClient(api) { client in
            let unread = try await client.unreadCount()
            let clock = client.configuration.studioClock
            return Result(unread: unread, clockOffset: clock.isMeasured ? clock.offset : nil)
        }
    }
}
