// The fuzz targets: each takes arbitrary bytes and must return, never trap,
// hang or grow without bound. Shared by the bounded harness in CI
// (`FuzzTests`) and by `scripts/fuzz` (libFuzzer, `Fuzz/`), which links this
// same file.
import Foundation
import LuaKit
@testable import PixiesetKit
import PixiesetModels
import PXConfig
@testable import PXDashboard
@testable import PXRuntime
@testable import PXState

enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "json": json, "wire": wire, "timestamp": timestamp, "cron": cron, "duration": duration, "hours": hours,
        "config": config, "outbox-log": outboxLog, "lua": lua, "template": template, "list-page": listPage, "check": check,
        "terminal": terminal, "json-layout": jsonLayout, "encoded": encoded, "dashboard-form": dashboardForm,
    ]

    /// `pxscript api`'s layout and the cut-answer judge: a valid text laid out is the same JSON, on
    /// one line or indented; any text is judged without a trap.
    static func jsonLayout(_ bytes: [UInt8]) {
        _ = PixiesetClient.isCutShort(bytes)
        guard (try? StrictJSON.parse(bytes, with: JSONChecker())) != nil else { return }
        for indented in [false, true] {
            let laid = JSONLayout.lines(bytes, indented: indented)
            precondition((try? StrictJSON.parse(laid, with: JSONChecker())) != nil, "laid out, no longer JSON")
            precondition(JSONLayout.lines(laid, indented: false) == JSONLayout.lines(bytes, indented: false), "laid out, another JSON")
        }
    }

    /// A list page decoded and encoded straight into Lua reads as the tree of the same values, marks included.
    static func encoded(_ bytes: [UInt8]) {
        guard let page = try? JSONDecoder().decode(ConversationPage.self, from: Data(bytes)),
              let lua = try? LuaState(limits: LuaLimits(maxInstructions: 1_000_000, maxMemory: 8 << 20))
        else { return }
        let marks: LuaEncoded.Adding = { value in (value as? Message).map { [("automated", .boolean($0.id.hasSuffix("1")))] } }
        let encoded = LuaEncoded(page, adding: marks)
        guard let tree = try? encoded.resolved() else { return }
        lua.register("encoded") { _ in [.encoded(encoded)] }
        lua.register("tree") { _ in [tree] }
        let same = try? lua.run("""
            local function same(a, b)
                if type(a) ~= "table" or type(b) ~= "table" then return a == b and math.type(a) == math.type(b) end
                for k, v in pairs(a) do if not same(v, b[k]) then return false end end
                for k in pairs(b) do if a[k] == nil then return false end end
                return true
            end
            local ok, value = pcall(encoded)
            return not ok or same(value, tree())
            """, chunkName: "encoded.lua")
        precondition(same == nil || same == [.boolean(true)], "encoded straight into Lua, not the tree: \(String(describing: same))")
    }

    /// The dashboard's form bodies: any bytes read as fields, never a trap.
    static func dashboardForm(_ bytes: [UInt8]) {
        _ = DashboardForm.fields(of: text(bytes))
    }

    /// A list answer read entry by entry (issue 27/28): the splitter over hostile bytes, and the page.
    static func listPage(_ bytes: [UInt8]) {
        if let (whole, items) = JSONSlices.array(under: "data", in: bytes) {
            precondition(whole.lowerBound >= 0 && whole.upperBound <= bytes.count)
            for item in items {
                precondition(item.lowerBound >= 0 && item.upperBound <= bytes.count && item.lowerBound <= item.upperBound)
                _ = JSONSlices.string(under: "id", in: bytes[item])
            }
        }
        _ = try? JSONDecoder().decode(ConversationPage.self, from: Data(bytes))
    }

    /// `pxscript check`'s reading of a script: option tables, sender_type comparisons, names.
    static func check(_ bytes: [UInt8]) {
        let tokens = LuaTokens(text(bytes))
        _ = tokens.literalTables
        _ = tokens.senderTypeComparisons
        _ = ScriptCheck.unknownOptions(tokens, file: "fuzz.lua")
    }

    /// Text for a terminal: never a control character out, whatever comes in.
    static func terminal(_ bytes: [UInt8]) {
        let shown = TerminalText.escaped(text(bytes)) + TerminalText.escapedKeepingLines(text(bytes))
        precondition(!shown.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x0D })
        _ = TerminalText.jsonSafe(text(bytes))
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `px.json.decode`'s parser, with and without a budget.
    static func json(_ bytes: [UInt8]) {
        _ = try? StrictJSON.parse(bytes, with: JSONChecker())
        _ = try? JSONBridge.decode(text(bytes), maxBytes: 1 << 20)
    }

    /// The wire decoders: the hand-written reader of sent messages and the tolerant models.
    static func wire(_ bytes: [UInt8]) {
        _ = WireReader.sentMessage(bytes)
        let data = Data(bytes)
        _ = try? JSONDecoder().decode(Envelope<Message>.self, from: data)
        _ = try? JSONDecoder().decode(Envelope<[Conversation]>.self, from: data)
        _ = try? JSONDecoder().decode(UnreadCount.self, from: data)
        _ = try? JSONDecoder().decode(APIErrorBody.self, from: data)
    }

    static func timestamp(_ bytes: [UInt8]) {
        let value = text(bytes)
        if let stamp = Timestamp(parsing: value) { _ = stamp.text + stamp.plainSecondsText }
        _ = HTTPDate.parse(value)
        _ = ISOTime.parse(value, zone: TimeZone(identifier: "America/Toronto")!)
    }

    static func cron(_ bytes: [UInt8]) {
        guard let spec = try? CronSpec(parsing: text(bytes)) else { return }
        _ = spec.next(after: Date(timeIntervalSince1970: 1_772_355_600), in: TimeZone(identifier: "Europe/London")!)
    }

    static func duration(_ bytes: [UInt8]) {
        if let seconds = DurationText.seconds(text(bytes)) { _ = DurationText.format(seconds) }
    }

    static func hours(_ bytes: [UInt8]) {
        guard let hours = try? OpeningHours(parsing: text(bytes), timeZone: TimeZone(identifier: "Asia/Kolkata")!) else { return }
        let date = Date(timeIntervalSince1970: 1_772_355_600)
        _ = hours.contains(date)
        _ = hours.nextOpen(after: date)
    }

    /// The config file, written where the loader reads it (mode 0600).
    static func config(_ bytes: [UInt8]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pxfuzz-config-\(getpid())-\(UUID().uuidString).toml").path
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else { return }
        _ = try? ConfigFile.load(path: path)
    }

    /// The outbox log reader, on a log left by a killed process.
    static func outboxLog(_ bytes: [UInt8]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pxfuzz-outbox-\(getpid())-\(UUID().uuidString)").path
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
        _ = try? OutboxLog.leftover(at: path)
    }

    /// The template renderer: the bytes as a template, every partial the same text, data with lists.
    static func template(_ bytes: [UInt8]) {
        let data = LuaValue.map([
            .text("name"): .text("Ana"), .text("l"): .array((1...20).map { .integer($0) }),
            .text("m"): .map([.text("k"): .array([.text("x"), .map([.text("y"): .boolean(true)])])]),
        ])
        let meter = PlainTemplate.Meter(steps: 100_000, bytes: 1 << 20)
        _ = try? PlainTemplate.render(text(bytes), name: "fuzz", data: data, meter: meter) { _ in text(bytes) }
    }

    /// The sandbox as a whole: the bytes as a script, under small limits.
    static func lua(_ bytes: [UInt8]) {
        guard let state = try? LuaState(limits: LuaLimits(maxInstructions: 200_000, maxMemory: 8 << 20)) else { return }
        _ = try? state.run(text(bytes), chunkName: "fuzz.lua")
    }
}
