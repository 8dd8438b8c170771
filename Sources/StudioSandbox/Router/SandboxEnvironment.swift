import PixiesetModels
import Synchronization

/// What every route of one sandbox shares.
struct SandboxEnvironment: Sendable {
    let database: SandboxDatabase
    let controls: SandboxControls
    let signer: UploadSigner
    let session: SessionCookie
    /// `http://127.0.0.1:PORT`, known once the server is listening (port 0
    /// picks one), used for upload and download URLs.
    let publicURL: PublicOrigin

    var origin: String { publicURL.value }

    /// The poller's quirks as they apply now.
    func lens() throws -> QuirkLens {
        let quirks = controls.quirks
        let range = quirks.isDisjoint(with: [.get404, .futureTimestamp, .hostileDetails]) ? (nil, nil) : try database.conversationIDRange()
        return QuirkLens(quirks: quirks, now: database.clock.now().microseconds, unreadable: range.0, fromTheFuture: range.1)
    }

    func rendering() -> Rendering {
        Rendering(
            timestamps: controls.quirks.contains(.plainTimestamps) ? .plainSeconds : .canonical,
            storageBaseURL: origin)
    }
}

/// The sandbox's own origin, set once the listening port is known.
final class PublicOrigin: Sendable {
    private let storage: Mutex<String>

    init(_ origin: String) { storage = Mutex(origin) }

    var value: String {
        get { storage.withLock { $0 } }
    }

    func set(_ origin: String) { storage.withLock { $0 = origin } }
}
