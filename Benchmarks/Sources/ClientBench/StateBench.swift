import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState

/// `ClientBench --state [ROUNDS]`: the outbox alone, no HTTP: 1,000 sends
/// reserved and marked sent by 8 workers, as `px.map{concurrency = 8}`
/// does; wall and CPU per send. A profiling aid for the state's share of a
/// bulk run.
nonisolated func runStateBenchmark(rounds: Int) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxstate-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let day = "2026-11-25"
    for round in 0..<rounds {
        let store = try StateStore(path: folder.appendingPathComponent("s\(round).sqlite").path)
        let cpu0 = processCPU()
        let wall = try await seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var i = worker
                        while i < 1000 {
                            let conversation = "conv_\(String(i % 100).leftPadded(12))"
                            let intent = SendIntent(conversationID: conversation, content: "bulk s\(round) \(i)")
                            let now = Date()
                            guard case .proceed(let entry) = try await store.sends.reserve(
                                intent, key: "h:\(round)-\(i)", explicitKey: false, now: now, day: day, cap: 1_000_000)
                            else { throw NSError(domain: "bench: not reserved", code: 1) }
                            let message = Message(
                                id: "msg_\(String(i).leftPadded(12))\(round)", conversationID: conversation, content: intent.content,
                                sentAt: Timestamp(microseconds: Int64(now.timeIntervalSince1970 * 1e6)), senderType: .photographer,
                                senderID: "photographer_1", readAt: nil, attachments: [])
                            store.sends.markSentSoon(entry, message: message, at: now) { _ in }
                            i += 8
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await store.flush()
        }
        let cpu = processCPU() - cpu0
        try store.close()
        print(String(format: "state: 1,000 sends %.1f ms wall, %.1f µs CPU per send", wall * 1e3, cpu * 1e6 / 1000))
    }
}

private func processCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
