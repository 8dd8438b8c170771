import Foundation
import LuaKit
import Synchronization

/// One scenario file (`*_test.lua`) in a Lua state of its own: its top level
/// declares scenarios (`px.test.scenario`); each is then run on a fresh world.
actor ScenarioFile {
    let path: String
    private let lua: LuaState
    private let session = ScenarioSession()

    init(path: String) throws {
        self.path = path
        lua = try LuaState()
        ScenarioHost.install(on: lua, session: session)
    }

    /// Runs the prelude and the file's top level.
    /// - Throws: `ScenarioFileError.compile` when the file does not compile or its top level fails.
    func load() async throws -> [ScenarioSession.Declared] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScenarioFileError.missing(path) }
        let source = String(decoding: data, as: UTF8.self)
        do {
            try lua.compile(source, chunkName: path)
            _ = try await lua.runAsync(ScenarioPrelude.source, chunkName: "px.test")
            _ = try await lua.runAsync(source, chunkName: path)
        } catch let error as LuaError {
            throw ScenarioFileError.compile(error.message)
        }
        return session.declared.withLock { $0 }
    }

    /// Runs scenario `index` (0-based, in declaration order) on `world`.
    func run(_ index: Int, in world: ScenarioWorld) async throws {
        session.current.withLock { $0 = world }
        defer { session.current.withLock { $0 = nil } }
        _ = try await lua.runAsync("px.test.__run(\(index + 1))", chunkName: "scenario")
    }
}

/// A scenario file that cannot run at all (docs/spec.md §5: 65 when it does not compile, 66 when missing).
public enum ScenarioFileError: Error, CustomStringConvertible {
    case missing(String)
    case compile(String)

    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such file"
        case .compile(let message): message
        }
    }
}
