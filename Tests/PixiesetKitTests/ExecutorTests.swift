import Foundation
import PixiesetKit
import PixiesetModels
import Testing

@Suite("The client's thread")
struct ExecutorTests {
    /// The current thread's id (`pthread_t` is an integer on Linux).
    static func thread() -> UInt { UInt(pthread_self()) }

    @Test("the body, its child tasks and the code after each request run on the client's own event loop, not the shared pool")
    func oneThread() async throws {
        try await withClient { _, client in
            let body = Self.thread()
            let page = try await client.conversations(pageSize: 5)
            #expect(!page.data.isEmpty)
            let afterRequest = Self.thread()
            let children = await withTaskGroup(of: UInt.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        _ = try? await client.conversations(pageSize: 1)
                        return Self.thread()
                    }
                }
                return await group.reduce(into: Set<UInt>()) { $0.insert($1) }
            }
            let detached = await Task.detached { Self.thread() }.value
            #expect(afterRequest == body)
            #expect(children == [body])
            #expect(detached != body)
        }
    }
}
