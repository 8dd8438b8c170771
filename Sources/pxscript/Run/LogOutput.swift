import Foundation
import Logging
import PXRuntime
import PixiesetModels

/// Log lines on standard error, as text for people or JSON for machines
/// (`--log-format`). Messages reach here already redacted by the client.
struct LogOutput: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let json: Bool

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line: String
        if json {
            var object: [String: String] = ["level": event.level.rawValue, "message": "\(event.message)", "time": ISO8601DateFormatter().string(from: Date())]
            for (key, value) in merged { object[key] = "\(value)" }
            line = (try? String(decoding: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)) ?? "\(event.message)"
        } else {
            // Text from clients and servers reaches logs (an error a handler raised with a client's words):
            // escaped, and a line break in it indented, so no log line can be forged or the terminal driven.
            let at = merged["at"].map { " [\(TerminalText.escaped("\($0)"))]" } ?? ""
            let rest = merged.filter { $0.key != "at" }.sorted { $0.key < $1.key }.map { " \($0.key)=\(TerminalText.escaped("\($0.value)"))" }.joined()
            line = "\(Self.label(event.level)): \(TerminalText.escapedKeepingLines("\(event.message)"))\(rest)\(at)"
        }
        // Above a progress line when one is shown (px.map on a terminal), never into it.
        TerminalLine.standardError.line(line)
    }

    static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warning"
        case .error, .critical: "error"
        }
    }

    static func logger(verbose: Bool, quiet: Bool, json: Bool) -> Logger {
        let level: Logger.Level = verbose ? .debug : quiet ? .warning : .info
        return Logger(label: "pxscript") { _ in LogOutput(logLevel: level, json: json) }
    }
}
