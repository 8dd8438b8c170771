import Foundation
import LuaKit
import Testing

@Suite("require and the file policy")
struct RequireTests {
    /// A script folder with modules, a hidden folder, and a folder outside.
    func withFolders<T>(_ body: (URL, URL) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("luakit-\(UUID().uuidString)")
        let scripts = root.appendingPathComponent("scripts"), outside = root.appendingPathComponent("outside")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["lib", ".secret"] {
            try FileManager.default.createDirectory(at: scripts.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try "local M = {} function M.greet(n) return 'Hi ' .. n end loads = (loads or 0) + 1 return M"
            .write(to: scripts.appendingPathComponent("lib/util.lua"), atomically: true, encoding: .utf8)
        try "return { name = px_fetch('conv_1') }".write(to: scripts.appendingPathComponent("lib/remote.lua"), atomically: true, encoding: .utf8)
        try "local x = \n".write(to: scripts.appendingPathComponent("lib/broken.lua"), atomically: true, encoding: .utf8)
        try "return 'hidden'".write(to: scripts.appendingPathComponent(".secret/key.lua"), atomically: true, encoding: .utf8)
        try "return 'outside'".write(to: outside.appendingPathComponent("evil.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            at: scripts.appendingPathComponent("lib/link.lua"), withDestinationURL: outside.appendingPathComponent("evil.lua"))
        return try await body(scripts, outside)
    }

    @Test("modules load once from the script's folder, and their top level may wait for the API")
    func modules() async throws {
        try await withFolders { scripts, _ in
            let lua = try LuaState()
            try lua.enableRequire(try FilePolicy(scriptFolder: scripts.path))
            lua.registerAsync("px_fetch") { args in
                let id = try args.string(1)
                return { [.text("fetched " + id)] }
            }
            let result = try await lua.runAsync("""
                local util = require("lib.util")
                local again = require("lib.util")
                return util.greet("Ava"), util == again, loads, require("lib.remote").name
                """, chunkName: "main.lua")
            #expect(result == [.text("Hi Ava"), .boolean(true), .integer(1), .text("fetched conv_1")])
        }
    }

    @Test("outside the policy: hidden, symlinked out, traversal, missing, bad names, broken modules", arguments: [
        ("require('.secret.key')", "module names"),
        ("require('lib.link')", "outside the script's folder"),
        ("require('..outside.evil')", "module names"),
        ("require('lib/util')", "module names"),
        ("require('lib.nothere')", "no such file"),
        ("require('lib.broken')", "lib/broken.lua:2:"),
    ])
    func refused(script: String, mention: String) async throws {
        try await withFolders { scripts, _ in
            let lua = try LuaState()
            try lua.enableRequire(try FilePolicy(scriptFolder: scripts.path))
            let error = await #expect(throws: LuaError.self) { try await lua.runAsync(script, chunkName: "main.lua") }
            #expect(error?.message.contains(mention) == true, "\(error?.message ?? "")")
        }
    }

    @Test("the policy: granted folders, hidden components, denied files, symlinks resolved first")
    func policy() async throws {
        try await withFolders { scripts, outside in
            let strict = try FilePolicy(scriptFolder: scripts.path)
            #expect(throws: FilePolicyError.self) { try strict.readablePath(outside.appendingPathComponent("evil.lua").path) }
            #expect(throws: FilePolicyError.self) { try strict.readablePath("lib/link.lua") }
            #expect(throws: FilePolicyError.self) { try strict.readablePath(".secret/key.lua") }
            #expect(throws: FilePolicyError.self) { try strict.readablePath("lib/../../outside/evil.lua") }
            #expect(throws: FilePolicyError.self) { try strict.readablePath("lib") }
            let granted = try FilePolicy(scriptFolder: scripts.path, granted: [outside.path])
            #expect(try granted.read("lib/link.lua") == Array("return 'outside'".utf8))
            let denied = try FilePolicy(scriptFolder: scripts.path, granted: [outside.path], denied: [outside.appendingPathComponent("evil.lua").path])
            #expect(throws: FilePolicyError.self) { try denied.readablePath("lib/link.lua") }
            #expect(throws: FilePolicyError.self) { try FilePolicy(scriptFolder: scripts.appendingPathComponent("nope").path) }
        }
    }
}
