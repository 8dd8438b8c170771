import Foundation
import Testing

/// Layers held by the compiler where it can, by these checks where it cannot yet (docs/architecture.md).
@Suite("layer rules")
struct LayerRulesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    @Test("sending an approved request needs no Lua: ApprovalDesk imports no LuaKit and builds no runtime or Lua state")
    func approvalsWithoutLua() throws {
        let desk = try String(contentsOf: Self.sources.appendingPathComponent("PXRuntime/Runtime/ApprovalDesk.swift"), encoding: .utf8)
        #expect(!desk.contains("import LuaKit"))
        #expect(!desk.contains("PXRuntime(") && !desk.contains("LuaState") && !desk.contains("LuaValue"))
        // The send pipeline answers in types; only px's functions turn its answer into a table.
        let send = try String(contentsOf: Self.sources.appendingPathComponent("PXRuntime/Px/PxContext+Send.swift"), encoding: .utf8)
        #expect(!send.contains("LuaValue") && !send.contains("PxError.table"))
    }

    @Test("the executable is a shell: one command per file; the service's logic is PXService's, which parses no command line")
    func thinCommands() throws {
        let cli = Self.sources.appendingPathComponent("pxscript")
        let files = try #require(FileManager.default.enumerator(atPath: cli.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var crowded: [String] = []
        for file in files {
            let text = try String(contentsOf: cli.appendingPathComponent(file), encoding: .utf8)
            let commands = text.components(separatedBy: "\n").filter { $0.hasPrefix("struct ") && $0.contains("ParsableCommand") }
            if commands.count > 1 { crowded.append("\(file): \(commands.count) commands") }
        }
        #expect(crowded.isEmpty, "\(crowded)")
        let service = Self.sources.appendingPathComponent("PXService")
        for file in try FileManager.default.contentsOfDirectory(atPath: service.path) {
            let text = try String(contentsOf: service.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("import ArgumentParser"), "\(file)")
        }
    }

    @Test("whether a message is pxscript's own is decided in one place (OwnMessages): no other file reads the record or the recent sends for it")
    func ownInOnePlace() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var elsewhere: [String] = []
        for file in files where !["PXState/OwnMessages.swift", "PXState/AutomatedMessages.swift", "PXState/StateStore+Outbox.swift"].contains(file) {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            if text.contains("record.automated(among:") || text.contains("automated.automated(among:") || text.contains("recentSendTexts(") {
                elsewhere.append(file)
            }
        }
        #expect(elsewhere.isEmpty, "\(elsewhere)")
    }
}
