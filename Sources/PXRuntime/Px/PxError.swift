import Foundation
import LuaKit
import PXConfig
import PixiesetKit
import PXState

/// Errors of px functions as the script sees them: tables
/// `{ code =, status =, message = }` with a `__tostring` (docs/spec.md §4), so
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

    static func table(code: PxErrorCode, status: Int?, message: String, extra: [String: LuaValue] = [:]) -> LuaScriptError {
        table(code: code.rawValue, status: status, message: message, extra: extra)
    }

    static func table(code: String, status: Int?, message: String, extra: [String: LuaValue] = [:]) -> LuaScriptError {
        var fields: [LuaValue: LuaValue] = [.text("code"): .text(code), .text("message"): .text(message)]
        if let status { fields[.text("status")] = .integer(Int64(status)) }
        for (key, value) in extra { fields[.text(key)] = value }
        return LuaScriptError(raising: .map(fields), metatable: metatable, message: "\(message) (\(code))")
    }

    /// The table for an error of the client or the outbox.
    static func from(_ error: any Error) -> any Error {
        if let fault = LocalFault(error) {
            return table(code: .localFault, status: nil, message: fault.description, extra: ["kind": .text(fault.kind.rawValue), "detail": .text(fault.detail)])
        }
        switch error {
        case let failure as LuaScriptError:
            return failure
        case let refusal as SendRefusal:
            switch refusal {
            case .paused:
                return table(code: .paused, status: nil, message: "sends are paused on this state (pxscript resume to restart them)")
            case .cap(let limit, let day):
                return table(code: .sendCap, status: nil, message: "the send cap of \(limit) sends a day is reached for \(day) (raise it with --max-sends)")
            case .inFlight(let conversationID):
                return table(
                    code: .sendInFlight, status: nil,
                    message: "the same send to \(conversationID) is already under way (or pending a check after an interruption)")
            }
        case let api as PixiesetError:
            switch api {
            case .api(let body):
                var extra: [String: LuaValue] = [:]
                if let maxSize = body.maxSize { extra["max_size"] = .integer(Int64(maxSize)) }
                if let details = body.details { extra["details"] = JSONBridge.value(details) }
                return table(code: body.code, status: body.status, message: body.message, extra: extra)
            case .sessionExpired, .csrfRefused:
                let refusal = api.sessionRefusal ?? .expired
                return table(code: PxErrorCode(refusal), status: refusal.status, message: api.description)
            case .unreachable: return table(code: .unreachable, status: nil, message: api.description)
            case .keptFailing(let status, _, _): return table(code: .unavailable, status: status, message: api.description)
            case .sendPending: return table(code: .sendPending, status: nil, message: api.description)
            case .invalidID: return table(code: .invalidID, status: nil, message: api.description)
            case .file: return table(code: .file, status: nil, message: api.description)
            // `kind` tells an answer cut short (the studio's passing trouble: tried again) from one that
            // is not JSON or far too large (it would come again: the handler's failure).
            case .truncatedResponse:
                return table(code: .badResponse, status: nil, message: api.description, extra: ["kind": .text(BadResponseKind.cutShort)])
            case .malformedResponse:
                return table(code: .badResponse, status: nil, message: api.description, extra: ["kind": .text(BadResponseKind.malformed)])
            case .invalidRequest: return table(code: .invalidRequest, status: nil, message: api.description)
            }
        case let config as ConfigError:
            return table(code: .file, status: nil, message: config.description)
        case let policy as FilePolicyError:
            return table(code: .file, status: nil, message: policy.description)
        case let state as StateError:
            return table(code: .state, status: nil, message: state.description)
        default:
            return LuaScriptError("\(error)")
        }
    }

    /// The exit a run ends with when the script does not catch `error`:
    /// decided by the code of the px error table it raised (docs/spec.md §5), never
    /// by the message's text.
    static func runtimeError(forUncaught error: LuaError, message: String, traceback: String) -> RuntimeError {
        let code = PxErrorCode(hostRaised: error)
        if let refusal = code?.refusal { return .refused(refusal, message) }
        return switch code {
        case .sendCap?: .sendCap(message)
        case .unreachable?, .unavailable?, .sendPending?: .unavailable(message)
        // An answer cut short passes, as an outage does (exit 69); one that is not JSON is the run's error (1).
        case .badResponse? where error.cause?.kind == BadResponseKind.cutShort: .unavailable(message)
        case .localFault?: .localFault(message, kind: error.cause?.kind.flatMap(LocalFault.Kind.init(rawValue:)) ?? .io)
        default: .script(message: message, traceback: traceback)
        }
    }
}
