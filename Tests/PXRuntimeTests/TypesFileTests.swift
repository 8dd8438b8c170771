import Foundation
import PXRuntime
@testable import PXState
import Testing

@Suite("types/px.lua stays in step with the runtime")
struct TypesFileTests {
    /// Names the meta file defines: `function px.a.b(` and `px.a = `.
    static func namesInTypesFile() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("types/px.lua"), encoding: .utf8)
        var names = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("--") {
            let words = line.split(whereSeparator: { " ()=".contains($0) }).map(String.init)
            if line.hasPrefix("function px."), words.count > 1 { names.insert(words[1]) }
            if line.hasPrefix("px."), words.first?.hasPrefix("px.") == true { names.insert(words[0]) }
        }
        return names
    }

    @Test("every px name the runtime registers is in types/px.lua, and the file names nothing else")
    func inStep() async throws {
        try await withHarness { h in
            let registered = try await h.values("""
                local names = {}
                local function walk(prefix, t)
                  for k, v in pairs(t) do
                    local name = prefix .. "." .. k
                    names[#names + 1] = name
                    if type(v) == "table" and name ~= "px.args" then walk(name, v) end
                  end
                end
                walk("px", px)
                table.sort(names)
                return table.concat(names, " ")
                """)[0].split(separator: " ").map(String.init)
            let documented = try Self.namesInTypesFile()
            // The file also documents what scenario files have (px.test), which scripts do not.
            let expected = Set(registered).union(ScriptCheck.scenarioNames)
            #expect(expected == documented, "only in the runtime: \(expected.subtracting(documented)); only in the file: \(documented.subtracting(expected))")
            #expect(Set(registered) == ScriptCheck.pxNames, "pxscript check's list differs")
        }
    }
}
