import Foundation
import LuaKit
import PixiesetKit

/// Errors of px functions as the script sees them: tables
/// `{ code =, status =, message = }` with a `__tostring` (SPEC §4), so
/// `pcall` can branch on `err.code`.
enum PxError {
    static let metatable = "pxscript.Error"

    /// The metatable's source: `tostring(err)` reads `file:line: message (CODE)`.
    static let metatableSource = """
        return {
          __tostring = function(e)
            local text = tostring(e.message) .. " (" .. tostring(e.code) .. ")"
            if e.where then return e.where .. ": " .. text end
            return text
          end,
        }
        """

    static func table(code: String, status: Int?, message: String, extra: [String: LuaValue] = [:]) -> LuaScriptError {
        var fields: [LuaValue: LuaValue] = [.text("code"): .text(code), .text("message"): .text(message)]
        if let status { fields[.text("status")] = .integer(Int64(status)) }
        for (key, value) in extra { fields[.text(key)] = value }
        return LuaScriptError(raising: .map(fields), metatable: metatable, message: "\(message) (\(code))")
    }

    /// The table for an error of the client or the outbox.
    static func from(_ error: any Error) -> any Error {
        switch error {
        case let failure as LuaScriptError:
            return failure
        case let refusal as SendRefusal:
            switch refusal {
            case .paused:
                return table(code: "PAUSED", status: nil, message: "sends are paused on this state (pxscript resume to restart them)")
            case .cap(let limit, let day):
                return table(code: "SEND_CAP", status: nil, message: "the send cap of \(limit) sends a day is reached for \(day) (raise it with --max-sends)")
            }
        case let api as PixiesetError:
            switch api {
            case .api(let body):
                var extra: [String: LuaValue] = [:]
                if let maxSize = body.maxSize { extra["max_size"] = .integer(Int64(maxSize)) }
                return table(code: body.code, status: body.status, message: body.message, extra: extra)
            case .sessionExpired: return table(code: "SESSION_EXPIRED", status: 401, message: api.description)
            case .unreachable: return table(code: "UNREACHABLE", status: nil, message: api.description)
            case .keptFailing(let status, _, _): return table(code: "UNAVAILABLE", status: status, message: api.description)
            case .sendPending: return table(code: "SEND_PENDING", status: nil, message: api.description)
            case .invalidID: return table(code: "INVALID_ID", status: nil, message: api.description)
            case .file: return table(code: "FILE", status: nil, message: api.description)
            case .malformedResponse, .truncatedResponse: return table(code: "BAD_RESPONSE", status: nil, message: api.description)
            case .invalidRequest: return table(code: "INVALID_REQUEST", status: nil, message: api.description)
            }
        case let policy as FilePolicyError:
            return table(code: "FILE", status: nil, message: policy.description)
        case let state as StateError:
            return table(code: "STATE", status: nil, message: state.description)
        default:
            return LuaScriptError("\(error)")
        }
    }

    /// The code and the bare text of an error table's message as Lua
    /// reports it (`file:line: text (CODE)`, from the metatable's
    /// `__tostring`); nil code for any other error. The one place that reads
    /// codes back from messages, for exit codes, `px.map` and watch.
    static func parse(_ message: String) -> (code: String?, text: String) {
        guard message.hasSuffix(")"), let open = message.lastIndex(of: "(") else { return (nil, message) }
        let code = message[message.index(after: open)..<message.index(before: message.endIndex)]
        guard !code.isEmpty, code.allSatisfy({ $0.isUppercase || $0 == "_" }) else { return (nil, message) }
        var text = message[..<open].trimmingCharacters(in: .whitespaces)
        // Drop the position Lua put in front (it is the table's `where`, added again when raised anew).
        if let range = text.range(of: #"^[^\s:]+:\d+: "#, options: .regularExpression) { text.removeSubrange(range) }
        return (String(code), text)
    }

    /// Codes that end a run with their own exit code when the script does not catch them.
    static func runtimeError(forUncaught message: String, traceback: String) -> RuntimeError {
        switch parse(message).code {
        case "SEND_CAP": .sendCap(message)
        case "SESSION_EXPIRED": .sessionExpired(message)
        case "UNREACHABLE", "UNAVAILABLE", "SEND_PENDING": .unavailable(message)
        default: .script(message: message, traceback: traceback)
        }
    }
}
