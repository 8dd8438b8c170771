import Foundation
@testable import PixiesetKit
import PixiesetModels
import NIOHTTP1
import StudioSandbox
import Testing

@testable import PXTest

/// The studio in this process (`InProcessStudio`): a client that talks to the sandbox's router
/// directly sees what it sees over HTTP, byte for byte, faults included, and is bounded the same.
@Suite("The studio in this process")
struct InProcessStudioTests {
    /// Runs `body` with two clients of one sandbox: over HTTP, and in process.
    static func withBoth(
        quirks: String? = nil, _ body: (RunningSandbox, PixiesetClient, PixiesetClient) async throws -> Void
    ) async throws {
        var configuration = SandboxConfiguration()
        if let quirks { configuration.quirks = try Quirks(parsing: quirks) }
        try await StudioSandbox.withRunning(configuration) { sandbox in
            let http = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast)
            var local = http
            local.inProcess = SandboxStudio(sandbox: sandbox)
            try await PixiesetClient.withClient(http) { overHTTP in
                try await PixiesetClient.withClient(local) { inProcess in try await body(sandbox, overHTTP, inProcess) }
            }
        }
    }

    /// An answer's headers as a client reads them, without the `Date` value (a second may pass).
    static func shape(_ response: APIResponse) -> [String] {
        response.headers.map { $0.name.lowercased() == "date" ? "date" : "\($0.name.lowercased()): \($0.value)" }.sorted()
    }

    @Test("the same requests get the same answers: status, headers and body bytes, errors included")
    func sameAnswers() async throws {
        try await Self.withBoth(quirks: "nested_errors") { sandbox, overHTTP, inProcess in
            for target in ["/conversations/?page=1&page_size=5&include_messages=true", "/conversations/unread/count", "/conversations/conv_NOPE/", "/nothing-here"] {
                let request = PixiesetClient.Request(method: .GET, url: sandbox.baseURL + target)
                let a = await overHTTP.attemptOnce(request), b = await inProcess.attemptOnce(request)
                switch (a, b) {
                case (.success(let one), .success(let other)):
                    #expect(one.status == other.status && one.body == other.body, "\(target)")
                    #expect(Self.shape(one) == Self.shape(other), "\(target)")
                case (.failure(let one), .failure(let other)):
                    #expect("\(one)" == "\(other)", "\(target)")
                default:
                    Issue.record("\(target): over HTTP \(a), in process \(b)")
                }
            }
            // The studio's clock is read from the in-process answers' Date header too.
            #expect(inProcess.configuration.studioClock.isMeasured)
        }
    }

    @Test("a send and an upload in process are stored by the sandbox, once")
    func writes() async throws {
        try await Self.withBoth { sandbox, _, inProcess in
            let conversation = try #require(try await inProcess.conversations().data.first)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("inprocess-\(UUID().uuidString).pdf")
            try Data("%PDF-1.4 price guide".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let attachment = try await inProcess.upload(fileAt: file.path)
            let sent = try await inProcess.send(SendIntent(conversationID: conversation.id, content: "In process", attachmentIDs: [attachment.id]))
            let stored = try sandbox.database.allMessages().filter { $0.content == "In process" }
            #expect(stored.map(\.id) == [sent.message.id])
        }
    }

    @Test("faults reach an in-process client as they reach one over HTTP: a cut answer, a 503, a slow answer past the timeout")
    func faults() async throws {
        try await Self.withBoth { sandbox, overHTTP, inProcess in
            let request = PixiesetClient.Request(method: .GET, url: sandbox.baseURL + "/conversations/")
            sandbox.controls.setFaults(try FaultPlan(parsing: "garbled=1"))
            for client in [overHTTP, inProcess] {
                // A read cut short is read again (chaos found reads failing on it), then given up as cut.
                guard case .retryable(reason: .cutShort, _, _, _) = await client.attemptOnce(request) else {
                    Issue.record("a read cut short is not retried")
                    continue
                }
                await #expect(throws: PixiesetError.self) { try await client.perform(request) }
            }
            sandbox.controls.setFaults(try FaultPlan(parsing: "error=1"))
            let refused = await inProcess.attemptOnce(request)
            guard case .retryable = refused else {
                Issue.record("a 503 in process: \(refused)")
                return
            }
            sandbox.controls.setFaults(try FaultPlan(parsing: "latency=3s"))
            var hurried = inProcess.configuration
            hurried.requestTimeout = .milliseconds(200)
            let late = try await PixiesetClient.withClient(hurried) { client in await client.attemptOnce(request) }
            guard case .retryable(reason: .timedOut, _, _, _) = late else {
                Issue.record("a late answer in process: \(late)")
                return
            }
            sandbox.controls.setFaults(.none)
        }
    }

    @Test("bounded as over HTTP: a URL the studio does not serve goes nowhere, an answer past the largest is refused")
    func bounds() async throws {
        try await Self.withBoth { sandbox, _, inProcess in
            let elsewhere = await inProcess.attemptOnce(PixiesetClient.Request(method: .GET, url: "http://example.invalid/api/v1/conversations/"))
            guard case .failure(.invalidRequest(let detail)) = elsewhere else {
                Issue.record("a URL elsewhere: \(elsewhere)")
                return
            }
            #expect(detail.contains("not served by the studio in this process"))
            var small = inProcess.configuration
            small.maxResponseBytes = 512
            let big = try await PixiesetClient.withClient(small) { client in
                await client.attemptOnce(PixiesetClient.Request(method: .GET, url: sandbox.baseURL + "/conversations/?include_messages=true"))
            }
            guard case .failure(.malformedResponse(let why)) = big else {
                Issue.record("a large answer: \(big)")
                return
            }
            #expect(why.contains("larger than 512 bytes"))
        }
    }
}

/// A chaotic play restarts the daemon a bounded number of times, whatever the scenario's length.
@Suite("Chaos bounds")
struct ChaosBoundsTests {
    @Test("no more than 20 restarts in a play")
    func restartsBounded() {
        let chaos = ChaosRun(seed: 5)
        var restarts = 0
        for _ in 0..<1_000 where chaos.restartPoint(within: 3_600) != nil {
            chaos.noteRestart(at: "x")
            restarts += 1
        }
        #expect(restarts == ChaosRun.maxRestarts)
    }
}
