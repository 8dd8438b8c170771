import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXConfig
import PXState
import Synchronization

/// What the px functions share during one run: the client, the state, the
/// clock, the options; what a watched script registered (`watch`) and what a
/// dry run would send (`plan`) are objects of their own. `Sendable`: the async
/// work of px functions runs off the Lua state's executor and reaches it from there.
final class PxContext: Sendable {
    let client: PixiesetClient
    let store: StateStore
    let options: RuntimeOptions
    let clock: RuntimeClock
    let logger: Logger
    let policy: FilePolicy
    /// What a dry run would send.
    let plan = DryRunPlan()
    /// What the run's sends came to (a run whose sends failed fails).
    let tally = SendTallies()
    /// What a watched script registered.
    let watch = WatchRegistry()
    /// The test-only crash switch (`PXSCRIPT_CRASH_AT`).
    let crash: CrashPoint.Switch
    /// The studio messages pxscript sent on this machine (nil when the record cannot be opened).
    let automated: AutomatedMessages
    /// Which messages are pxscript's own, decided in one place.
    var own: OwnMessages { OwnMessages(record: automated, store: store) }
    /// Client names by conversation id, for plans and logs.
    let clientNames = Mutex<[String: String]>([:])
    /// Names learnt and not yet kept in the state (`flushNames`).
    private let unsavedNames = Mutex<[String: String]>([:])
    /// Walks over conversations the script is iterating, by id.
    let cursors = Mutex<(next: Int64, open: [Int64: ConversationCursor])>((0, [:]))
    /// The send cap's current day and its bounds (asked of the calendar once a day, not once a send).
    private let capDays = Mutex<(day: String, start: Date, end: Date)?>(nil)

    init(client: PixiesetClient, store: StateStore, options: RuntimeOptions, clock: RuntimeClock, logger: Logger, policy: FilePolicy) {
        self.client = client
        // Beside the state file: the default states share one folder, so one record serves them all.
        automated = AutomatedMessages(folder: store.home, ownState: store.path, create: !options.dryRun)
        self.store = store
        self.options = options
        self.clock = clock
        self.logger = logger
        self.policy = policy
        crash = CrashPoint.Switch(environment: options.environment, loopback: client.configuration.baseURL.isLoopback)
    }

    /// The context of a run of the script `options` names, reading files under its policy:
    /// pxscript's own files are refused by identity (the state, and the real one of a dry run's
    /// copy, the record beside it, the config file; the config and default state folders whole).
    /// No Lua state: sending approved requests needs none.
    convenience init(options: RuntimeOptions, client: PixiesetClient, store: StateStore, clock: RuntimeClock, logger: Logger) throws {
        let folder = (options.scriptPath as NSString).deletingLastPathComponent
        let config = ConfigFile.defaultPath(environment: options.environment)
        let policy = try FilePolicy(
            scriptFolder: folder.isEmpty ? "." : folder, granted: options.allowRead,
            denied: [store.path] + StateStore.companionFiles(of: store.path) + (config.map { [$0] } ?? [])
                + [store.home + "/" + AutomatedMessages.fileName],
            deniedFolders: (config.map { [($0 as NSString).deletingLastPathComponent] } ?? []) + [StatePath.folder(environment: options.environment)])
        self.init(client: client, store: store, options: options, clock: clock, logger: logger, policy: policy)
        store.outbox.waitNotice.withLock { $0 = { [logger] notice in logger.warning("\(notice)") } }
    }

    /// The day a send counts against, in the cap's zone (`--tz`).
    func capDay(_ date: Date) -> String {
        if let known = capDays.withLock({ $0 }), known.start <= date, date < known.end { return known.day }
        let bounds = StateStore.dayBounds(of: date, in: options.timeZone)
        capDays.withLock { $0 = bounds }
        return bounds.day
    }


    /// Remembers the client names of conversations the script read (kept in the state when the run
    /// ends, for what a person reads). At most 10,000 names a run: a bulk run's own list is enough.
    func noteNames(_ conversations: [Conversation]) {
        for conversation in conversations { if let name = conversation.client?.name { remember(name, of: conversation.id) } }
    }

    /// `name` as the client of `conversationID`, to keep in the state when it is new or changed.
    func remember(_ name: String, of conversationID: String) {
        guard !name.isEmpty, name != "?" else { return }
        let changed = clientNames.withLock { names in
            guard names[conversationID] != name, names.count < 10_000 || names[conversationID] != nil else { return false }
            names[conversationID] = name
            return true
        }
        if changed { unsavedNames.withLock { $0[conversationID] = name } }
    }

    /// Keeps the names learnt since the last time in the state (end of a run, of a scheduled run, of
    /// approved sends): `status` and the journal name each client. A failure costs only the names.
    func flushNames() async {
        let fresh = unsavedNames.withLock { names in
            defer { names = [:] }
            return names
        }
        try? await store.ledger.noteClientNames(fresh)
    }

    /// The client's name in `conversationID` (read once, then remembered).
    func clientName(of conversationID: String) async -> String {
        if let known = clientNames.withLock({ $0[conversationID] }) { return known }
        let name = (try? await client.conversation(conversationID, messages: false))?.client?.name ?? "?"
        remember(name, of: conversationID)
        if name == "?" { clientNames.withLock { $0[conversationID] = name } }  // asked once, even when unknown
        return name
    }
}
