import ArgumentParser
import Foundation
import PixiesetKit
import PixiesetModels
import PXConfig
import PXRuntime
import PXState
import StudioSandbox

/// Exit codes of docs/spec.md §5, chosen in this one place.
enum Exit {
    static let scriptError: Int32 = 1
    static let usage: Int32 = 64
    static let compile: Int32 = 65
    static let missingFile: Int32 = 66
    static let unreachable: Int32 = 69
    /// This machine failed the state (a lock past the timeout, a full or read-only disk): EX_IOERR.
    static let localFault: Int32 = 74
    static let sendCap: Int32 = 75
    static let sessionExpired = SessionRefusal.expired.exitStatus
    static let csrfRefused = SessionRefusal.csrf.exitStatus
}

/// A failure already worded for the user, with its exit code.
struct Failure: Error, CustomStringConvertible {
    let description: String
    let code: Int32

    init(_ description: String, code: Int32 = Exit.scriptError) {
        self.description = description
        self.code = code
    }
}

/// Runs a command body, printing any failure as one line on stderr and
/// exiting with the code docs/spec.md §5 gives it. Usage errors stay with the
/// argument parser, which prints help and exits 64.
func withExitCodes(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        let (message, code) = describe(error)
        // An error may carry a server's or a client's words: escaped, its lines indented.
        printError("error: \(TerminalText.escapedKeepingLines(message))")
        throw ExitCode(code)
    }
}

func describe(_ error: any Error) -> (String, Int32) {
    switch error {
    case let failure as Failure: return (failure.description, failure.code)
    case let runtime as RuntimeError:
        switch runtime {
        case .usage: return (runtime.description, Exit.usage)
        case .compile: return (runtime.description, Exit.compile)
        case .missingFile: return (runtime.description, Exit.missingFile)
        case .unavailable: return (runtime.description, Exit.unreachable)
        case .sendCap: return (runtime.description, Exit.sendCap)
        case .refused(let refusal, _): return (runtime.description, refusal.exitStatus)
        case .localFault: return (runtime.description, Exit.localFault)
        case .script, .state: return (runtime.description, Exit.scriptError)
        }
    case let state as StateError: return (state.description, state.fault == nil ? Exit.scriptError : Exit.localFault)
    case let setup as SandboxSetupError: return (setup.description, setup.isMissingFile ? Exit.missingFile : Exit.scriptError)
    case let sandbox as SandboxError: return ("\(sandbox.body.error) (\(sandbox.code))", Exit.scriptError)
    case let config as ConfigError:
        return (config.description, FileManager.default.fileExists(atPath: config.path) ? Exit.scriptError : Exit.missingFile)
    case let api as PixiesetError:
        switch api {
        case .sessionExpired, .csrfRefused: return (api.description, api.sessionRefusal?.exitStatus ?? Exit.sessionExpired)
        case .unreachable, .keptFailing, .truncatedResponse, .sendPending: return (api.description, Exit.unreachable)
        case .file(let path, _) where !FileManager.default.fileExists(atPath: path): return (api.description, Exit.missingFile)
        case .file, .api, .malformedResponse, .invalidID, .invalidRequest: return (api.description, Exit.scriptError)
        }
    default:
        if let fault = LocalFault(error) { return (fault.description, Exit.localFault) }
        return (String(describing: error), Exit.scriptError)
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Whether standard output is a terminal (pretty output) or a pipe (compact).
var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

/// Prints and flushes, so that a reader on a pipe sees the line at once.
func printNow(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
