import LuaKit
import PXState
import Synchronization

/// What a watched script registered at its top level (`px.on`, `px.every`,
/// `px.cron`, `px.at`, `px.after`) (docs/spec.md §6).
final class WatchRegistry: Sendable {
    /// Handlers `px.on("message", …)` registered.
    let handlers = Mutex<[MessageHandler]>([])
    /// Schedules registered.
    let schedules = Mutex<[Schedule]>([])
    /// The prelude's function that calls handler `index` with an event.
    let runner = Mutex<LuaReference?>(nil)
    /// The prelude's function that calls scheduled function `index`.
    let scheduledRunner = Mutex<LuaReference?>(nil)
}

/// A `px.on("message", fn, { max_age =, debounce = })` registration.
struct MessageHandler: Sendable {
    /// Its place in the prelude's handler table.
    let index: Int
    let maxAge: Double
    /// The quiet period before a burst of messages is handed over (0: each message at once).
    let debounce: Double
    let position: String
}
