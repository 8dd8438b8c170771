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

    @Test("the daemon polls in one place: only WatchCycle's pass calls the poller, and a script's loop has no poll of its own")
    func onePollPath() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var polling: [String] = []
        for file in files where file != "PXRuntime/Watch/WatchCycle.swift" {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            if text.contains(".poll(now:") { polling.append(file) }
        }
        #expect(polling.isEmpty, "\(polling)")
        let loop = try String(contentsOf: Self.sources.appendingPathComponent("PXRuntime/Watch/WatchLoop.swift"), encoding: .utf8)
        #expect(!loop.contains("Poller(") && !loop.contains("let poller") && !loop.contains("func cycle("))
    }

    @Test("scripts/bench's package names every product of ours its sources import (CI never builds it, so a module moved to a new target would break it unseen)")
    func benchmarksImports() throws {
        let root = Self.sources.deletingLastPathComponent()
        let products = Set(try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
            .matches(of: /\.library\(name: "(\w+)"/).map { String($0.1) })
        let manifest = try String(contentsOf: root.appendingPathComponent("Benchmarks/Package.swift"), encoding: .utf8)
        let named = Set(manifest.matches(of: /\.product\(name: "(\w+)", package: root\)/).map { String($0.1) })
        let folder = root.appendingPathComponent("Benchmarks/Sources")
        let files = try #require(FileManager.default.enumerator(atPath: folder.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var missing: Set<String> = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: /(?m)^import (\w+)$/) where products.contains(String(match.1)) && !named.contains(String(match.1)) {
                missing.insert("\(file): \(match.1)")
            }
        }
        #expect(!products.isEmpty && !named.isEmpty)
        #expect(missing.isEmpty, "\(missing.sorted())")
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
        for file in files where !["PXState/OwnMessages.swift", "PXState/AutomatedMessages.swift", "PXState/Sends.swift"].contains(file) {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            if text.contains("record.automated(among:") || text.contains("automated.automated(among:") || text.contains("recentSendTexts(") {
                elsewhere.append(file)
            }
        }
        #expect(elsewhere.isEmpty, "\(elsewhere)")
    }

    /// PXRuntime's folders, lowest first: each may use the ones before it, never one after.
    static let runtimeFolders = ["Values", "Schedules", "Notify", "Run", "Px", "Runtime", "Watch"]

    @Test("inside PXRuntime no folder uses a folder above it (Values, Schedules, Notify, Run, Px, Runtime, Watch)")
    func runtimeFoldersOneWay() throws {
        let root = Self.sources.appendingPathComponent("PXRuntime")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        // The folder that declares each top-level type (nested types are their outer type's).
        let declaration = try NSRegularExpression(pattern: #"(?m)^(?:@\w+\s+)*(?:(?:public|package|private|fileprivate|final|indirect)\s+)*(?:struct|enum|class|actor|protocol|typealias)\s+(\w+)"#)
        var owner: [String: String] = [:]
        var texts: [(folder: String, file: String, text: String)] = []
        for file in files {
            let folder = String(file.split(separator: "/")[0])
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            texts.append((folder, file, text))
            for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { owner[String(text[range]), default: folder] = folder }
            }
        }
        #expect(Set(texts.map(\.folder)) == Set(Self.runtimeFolders), "a folder not in the order: \(Set(texts.map(\.folder)))")
        let word = try NSRegularExpression(pattern: #"\b[A-Z]\w+\b"#)
        var upward: [String] = []
        for (folder, file, text) in texts {
            let code = text.components(separatedBy: "\n").map { $0.components(separatedBy: "//")[0] }.joined(separator: "\n")
            let level = Self.runtimeFolders.firstIndex(of: folder) ?? 0
            let used = Set(word.matches(in: code, range: NSRange(code.startIndex..., in: code)).compactMap { Range($0.range, in: code).map { String(code[$0]) } })
            for name in used.sorted() {
                guard let other = owner[name], let otherLevel = Self.runtimeFolders.firstIndex(of: other), otherLevel > level else { continue }
                upward.append("\(file) uses \(name) of \(other)/")
            }
        }
        #expect(upward.isEmpty, "\(upward.joined(separator: "\n"))")
    }
}
