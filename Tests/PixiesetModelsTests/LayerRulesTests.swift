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
}
