import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PixiesetModels
import StudioSandbox

/// Where a simulation happens: a running sandbox (`--port`) or its
/// database file (`--db`, no server needed).
struct SandboxTarget: ParsableArguments {
    @Option(help: "Port of a running `pxscript sandbox serve` (default \(SandboxCommand.defaultPort)).")
    var port: Int?

    @Option(help: "The sandbox's SQLite file, to write without a running server.")
    var db: String?

    func validate() throws {
        if port != nil && db != nil { throw ValidationError("give --port or --db, not both") }
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
    }

    /// Performs the simulation and prints its result as JSON.
    ///
    /// - Parameters:
    ///   - path: the `/_sandbox/…` endpoint, for `--port`.
    ///   - body: the JSON body for that endpoint.
    ///   - direct: the same operation on the database, for `--db`.
    func perform<Result: Codable & Sendable>(
        path: String, body: [String: String]?, as: Result.Type,
        direct: @Sendable (SandboxDatabase) async throws -> Result
    ) async throws {
        let data: Data
        if let db {
            let clock = try FixedNow.clock(environment: ProcessInfo.processInfo.environment)
            let database = try SandboxDatabase(path: db, clock: clock, create: false)
            defer { try? database.close() }
            data = try JSONEncoder().encode(try await direct(database))
        } else {
            data = try await post(path: path, body: body, port: port ?? SandboxCommand.defaultPort)
        }
        printNow(try JSONOutput.format(Array(data)))
    }

    /// POSTs to a running sandbox and returns the `data` of its answer.
    private func post(path: String, body: [String: String]?, port: Int) async throws -> Data {
        let url = "http://127.0.0.1:\(port)\(path)"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body ?? [:])))
        // Loopback answers at once or not at all: a refused connection is reported now, not
        // retried by the pool until a connect timeout (it waited 10 s for a server that was not there).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result: Result<Data, any Error>
        do {
            result = .success(try await answer(client, request, port: port))
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        return try result.get()
    }

    /// The `data` of the sandbox's answer to `request`, or a failure worded for the photographer.
    private func answer(_ client: HTTPClient, _ request: HTTPClientRequest, port: Int) async throws -> Data {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw Failure(
                "no sandbox answers on 127.0.0.1:\(port) (start one with `pxscript sandbox serve --port \(port)`)",
                code: Exit.unreachable)
        }
        let bytes = Data((try await response.body.collect(upTo: 16 << 20)).readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            if let error = try? JSONDecoder().decode(APIErrorBody.self, from: bytes) {
                throw Failure("\(error.error) (\(error.code ?? "no code"))")
            }
            throw Failure("the sandbox answered \(response.status.code)")
        }
        guard let object = try JSONSerialization.jsonObject(with: bytes) as? [String: Any], let payload = object["data"] else {
            throw Failure("the sandbox answered without data")
        }
        // Keys in one order, every time (a dictionary's own order changes from run to run).
        return try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
