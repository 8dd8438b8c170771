import Foundation
import PixiesetKit
import PXState

extension WatchService {
    /// One line for what a pass did, naming only what happened: `2 answered, 1 handled without a reply, 1 to retry`.
    static func summary(_ report: WatchLoop.Report) -> String? {
        let quiet = report.handled - report.replied
        let parts = [
            report.replied > 0 ? "\(report.replied) answered" : nil,
            quiet > 0 ? "\(quiet) handled without a reply" : nil,
            report.skipped > 0 ? "\(report.skipped) skipped (too old)" : nil,
            report.failed > 0 ? "\(report.failed) to retry" : nil,
            report.parked > 0 ? "\(report.parked) parked" : nil,
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// Failures a daemon outlives (docs/spec.md §6: it never exits for an error that is not the
    /// session's or the configuration's): the studio unreachable, failing, or answering nonsense.
    static func isPassing(_ error: any Error) -> Bool {
        switch error {
        case let api as PixiesetError:
            switch api {
            case .unreachable, .keptFailing, .malformedResponse, .truncatedResponse, .api, .sendPending: return true
            case .sessionExpired, .csrfRefused, .invalidID, .file, .invalidRequest: return false
            }
        case RuntimeError.unavailable: return true
        default: return false
        }
    }
}

