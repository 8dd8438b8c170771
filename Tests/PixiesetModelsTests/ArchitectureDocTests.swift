import Foundation
import Testing

/// docs/architecture.md is true to the code: every file it names exists, every type it names is
/// declared, and the import graph it draws is the one Package.swift gives.
@Suite("docs/architecture.md")
struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func swiftFiles() throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        return try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
    }

    static func spans(_ text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "`([^`\\n]+)`")
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
    }

    @Test("every file, folder and type it names is there")
    func namesExist() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let files = try Self.swiftFiles()
        var declared = Set<String>()
        let declaration = try NSRegularExpression(pattern: #"(?:struct|class|enum|actor|protocol|typealias|extension)\s+(\w+)"#)
        // Types of the sources, and of the tests (a rule's suite is named as where it is kept).
        let tests = try #require(FileManager.default.enumerator(atPath: Self.root.appendingPathComponent("Tests").path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }.map { "Tests/" + $0 }
        for file in files.map({ "Sources/" + $0 }) + tests {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { declared.insert(String(text[range])) }
            }
        }
        var missing: [String] = []
        let folders = Set(files.flatMap { file in
            file.split(separator: "/").dropLast().indices.map { file.split(separator: "/")[...$0].joined(separator: "/") }
        })
        for span in Self.spans(doc) {
            if span.hasSuffix(".swift") {
                // A path, whole or from a folder on: some file of Sources/ ends with it.
                let path = span.replacingOccurrences(of: "*", with: "")
                if !files.contains(where: { ("/" + $0).hasSuffix("/" + path) }) { missing.append("file \(span)") }
            } else if span.hasSuffix("/"), span.first?.isUppercase == true {
                let folder = String(span.dropLast())
                if !folders.contains(where: { ("/" + $0).hasSuffix("/" + folder) }) { missing.append("folder \(span)") }
            } else if span.range(of: #"^[A-Z][A-Za-z0-9]+(\.[a-z]\w*)?$"#, options: .regularExpression) != nil {
                // A type, or a type's member (`WatchCycle.lead`): the type is declared.
                let type = String(span.split(separator: ".")[0])
                // Targets are named as themselves; a few names are the packages' or HTTP's.
                let known = Set(files.map { String($0.split(separator: "/")[0]) }).union(["ServiceGroup", "Host"])
                if !declared.contains(type) && !known.contains(type) { missing.append("type \(span)") }
            }
        }
        #expect(missing.isEmpty, "\(missing.joined(separator: "\n"))")
    }

    @Test("the import graph it draws is Package.swift's, a line with LuaKit and the sandbox beside")
    func graph() throws {
        let package = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        // Each library target's own targets among its dependencies.
        let order = ["PixiesetModels", "PXConfig", "PixiesetKit", "PXNotify", "PXState", "PXRuntime", "PXDashboard", "PXTest", "PXService", "pxscript"]
        let beside = ["LuaKit", "StudioSandbox", "CLua", "CLuaShim"]
        var problems: [String] = []
        for (index, target) in order.enumerated() {
            guard let start = package.range(of: "name: \"\(target)\",") else { problems.append("no target \(target)"); continue }
            let rest = package[start.upperBound...]
            guard let open = rest.range(of: "dependencies: ["), let close = rest[open.upperBound...].range(of: "]") else { continue }
            let list = rest[open.upperBound..<close.lowerBound]
            for other in order where list.contains("\"\(other)\"") {
                // A target uses only targets before it in the line (the three beside each other do not use each other).
                let otherIndex = order.firstIndex(of: other)!
                if otherIndex >= index || (index >= 6 && index <= 8 && otherIndex >= 6 && otherIndex != index) {
                    problems.append("\(target) uses \(other), which is not below it")
                }
            }
            _ = beside
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        #expect(doc.contains("PixiesetModels → PXConfig → PixiesetKit → PXNotify → PXState → PXRuntime → PXDashboard, PXTest, PXService → pxscript"))
    }
}
