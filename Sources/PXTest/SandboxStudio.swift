import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
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
    /// Settings of a client of this sandbox that talks to it in process. With `pausingOn`, the client's
    /// waits (backoff, `Retry-After`, the second look for a send) move that virtual clock instead of
    /// taking real time, as `px.sleep` does: a chaotic play's faults cost no real time, and the studio
    /// (on the same clock) is that much later when the client asks again.
    public func inProcessAPI(studioClock: StudioClock, pausingOn virtual: VirtualClock? = nil) throws -> APIConfiguration {
        var api = APIConfiguration(baseURL: try BaseURL(parsing: baseURL), cookie: cookie, retry: .fast)
        api.studioClock = studioClock
        if let virtual {
            // The real policy, waits and all (a send looked for again 5 s later): on this clock they cost nothing.
            api.retry = .standard
            api.pause = { wait in virtual.pass(wait.inSeconds) }
        }
        api.inProcess = SandboxStudio(sandbox: self)
        return api
    }
}
