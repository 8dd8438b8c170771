import PixiesetKit
import StudioSandbox

/// The scenario's sandbox as the studio its clients talk to in process (`InProcessStudio`): the
/// same router, faults and quirks as over HTTP, with no socket, so a virtual month is CPU work
/// (docs/testing.md "How fast").
public struct SandboxStudio: InProcessStudio {
    public let sandbox: RunningSandbox

    public init(sandbox: RunningSandbox) { self.sandbox = sandbox }

    public var origin: String { sandbox.origin }

    public func answer(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) async -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        await sandbox.inProcess.answer(method: method, target: target, headers: headers, body: body)
    }
}

extension RunningSandbox {
    /// Settings of a client of this sandbox that talks to it in process. Without `waitsForRetries`,
    /// a retry goes at once (a chaotic play's faults cost no real time; its clock is virtual).
    public func inProcessAPI(studioClock: StudioClock, waitsForRetries: Bool = true) throws -> APIConfiguration {
        var api = APIConfiguration(baseURL: try BaseURL(parsing: baseURL), cookie: cookie, retry: .fast)
        api.studioClock = studioClock
        if !waitsForRetries { api.pause = { _ in } }
        api.inProcess = SandboxStudio(sandbox: self)
        return api
    }
}
