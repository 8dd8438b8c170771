import ArgumentParser
import Foundation
import NIOHTTP1
import PixiesetKit
import PixiesetModels
import StudioSandbox

/// `pxscript api METHOD PATH [-q k=v …] [-d JSON] [--sandbox]`: one raw call.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Call the Conversations API directly and print the JSON answer.",
        discussion: """
            PATH is below the base URL, e.g. /conversations/ or /conversations/unread/count. \
            The answer is printed indented on a terminal and on one line in a pipe; errors go to stderr. \
            GET is retried like every read; other methods are sent once.
              pxscript api GET /conversations/ -q page_size=5 --sandbox
              pxscript api POST /conversation_messages -d '{"conversation_id":"conv_…","content":"Hi!"}'
            \(LoginHint.text)
            """
    )

    @Argument(help: "GET, POST, PUT, PATCH or DELETE.") var method: String
    @Argument(help: "The path below the base URL.") var path: String
    @Option(name: .shortAndLong, help: "A query parameter, k=v (repeatable).") var query: [String] = []
    @Option(name: .shortAndLong, help: "A JSON request body.") var data: String?
    @Flag(help: "Start the sandbox studio in-process (demo data) and call it.") var sandbox = false
    @OptionGroup var api: APIOptions

    func validate() throws {
        guard Self.methods[method.uppercased()] != nil else { throw ValidationError("METHOD must be GET, POST, PUT, PATCH or DELETE") }
        _ = try segments()
        _ = try queryItems()
        if let data, (try? JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed])) == nil {
            throw ValidationError("-d is not valid JSON")
        }
    }

    static let methods: [String: HTTPMethod] = ["GET": .GET, "POST": .POST, "PUT": .PUT, "PATCH": .PATCH, "DELETE": .DELETE]

    /// PATH split into segments; `..`, a full URL or a query in PATH are refused.
    func segments() throws -> [String] {
        guard !path.contains("://") else { throw ValidationError("PATH is below the base URL (e.g. /conversations/), not a URL") }
        guard !path.contains("?"), !path.contains("#") else { throw ValidationError("give query parameters with -q k=v") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.contains(where: { $0 == ".." || $0 == "." }) else { throw ValidationError("PATH must not contain . or ..") }
        return parts
    }

    func queryItems() throws -> [(String, String)] {
        try query.map { item in
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, !pair[0].isEmpty else { throw ValidationError("-q wants k=v, not '\(item)'") }
            return (pair[0], pair[1])
        }
    }

    func run() async throws {
        try await withExitCodes {
            if sandbox {
                try await InProcessSandbox.withRunning { api in try await call(api) }
            } else {
                try await call(try api.resolve())
            }
        }
    }

    private func call(_ configuration: APIConfiguration) async throws {
        let method = Self.methods[method.uppercased()] ?? .GET
        let url = configuration.baseURL.url(try segments(), trailingSlash: path.hasSuffix("/"), query: try queryItems())
        try await PixiesetClient.withClient(configuration) { client in
            let response = try await client.perform(
                .init(method: method, url: url, body: data.map { Array($0.utf8) }), retrying: method == .GET)
            do {
                // An empty answer (204) has nothing to check; anything else must be JSON.
                if !response.body.isEmpty { try StrictJSON.parse(response.body, with: JSONChecker()) }
            } catch let error as JSONSyntaxError {
                // The whole body, for whoever investigates, on stderr: never mistaken for the answer, and
                // shown escaped: a server's text must not drive the terminal.
                printError(TerminalText.escapedKeepingLines(client.redact(String(decoding: response.body, as: UTF8.self)), indent: ""))
                throw Failure("the answer (HTTP \(response.status), \(response.body.count) bytes) is not JSON: \(error)", code: Exit.unreachable)
            }
            printNow(client.redact(try JSONOutput.format(response.body)))
        }
    }
}
