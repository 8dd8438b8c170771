/// A studio that answers in this process: the sandbox's router, for `pxscript test`, replays and
/// the simulator. A client whose configuration names one sends it the request's bytes and reads
/// the answer's bytes instead of going over HTTP; everything before and after (headers, the
/// cookie, classification, retries, redaction, the studio's clock from `Date`) is the same code.
public protocol InProcessStudio: Sendable {
    /// Requests to URLs under this origin (`http://127.0.0.1:PORT`) are answered in process.
    var origin: String { get }

    /// One answer. `target` is the path and query (`/api/v1/conversations/?page=2`).
    func answer(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) async -> (status: Int, headers: [(name: String, value: String)], body: [UInt8])
}
