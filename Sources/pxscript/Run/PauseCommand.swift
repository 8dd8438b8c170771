import ArgumentParser
import Foundation
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState

/// `pxscript pause [SCRIPT… | --state PATH]`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop every send on a script's state (from any process) until resume.")

    @OptionGroup var location: StateLocation

    func run() async throws {
        try await setPaused(true, on: location) { "paused: sends on \($0) raise PAUSED until `pxscript resume`" }
    }
}

/// `pause` and `resume`: records the switch (journaled) on the state, then says so.
func setPaused(_ paused: Bool, on location: StateLocation, saying message: (String) -> String) async throws {
    try await withExitCodes {
        for (_, path) in try location.existingPaths() {
            let store = try StateStore(path: path)
            defer { try? store.close() }
            try store.settings.setPaused(paused, at: try RuntimeClock(environment: ProcessInfo.processInfo.environment).now())
            printNow(message(store.path))
        }
    }
}
