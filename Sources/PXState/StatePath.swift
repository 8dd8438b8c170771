import Crypto
import Foundation

/// Where a script's state lives by default (docs/spec.md §5): one file per script
/// and account under `$XDG_STATE_HOME/pxscript/` (`~/.local/state/pxscript/`),
/// named from the script's real path and the base URL.
public enum StatePath {
    /// `$XDG_STATE_HOME/pxscript`, else `~/.local/state/pxscript`.
    public static func folder(environment: [String: String]) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/pxscript" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/pxscript"
    }

    public static func defaultPath(script: String, baseURL: String, environment: [String: String]) -> String {
        let real = URL(fileURLWithPath: script).resolvingSymlinksInPath().standardizedFileURL.path
        let folder = self.folder(environment: environment)
        let digest = SHA256.hash(data: Data((real + "\n" + baseURL).utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        let name = URL(fileURLWithPath: real).deletingPathExtension().lastPathComponent
        let safe = String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        return "\(folder)/\(safe.prefix(40))-\(digest).sqlite"
    }
}
