import ArgumentParser
import Foundation
import PixiesetKit
import PixiesetModels
import PXConfig
import PXState

/// `pxscript login [--check]`: stores the browser's Cookie header in the
/// config file after one read shows it works (docs/spec.md §5), or checks the one in use.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Store your browser's Pixieset session (its Cookie header) for pxscript, after checking it works.",
        discussion: """
            \(howToCopy)

            The cookie is checked with one read (the unread count) and saved as `cookie` in \
            ~/.config/pxscript/config.toml (mode 600; other keys in the file are kept), with `base_url` \
            when --base-url is given and `tz` (this machine's zone) when none is set. It is never shown. \
            Without a terminal it is read from standard input, e.g. `pbpaste | pxscript login`. \
            PIXIESET_COOKIE, when set, is used instead of the file. Then run `pxscript doctor`.
            """)

    /// The three steps, for the prompt and for `--help`.
    static let howToCopy = """
        1. Log in at https://studio.pixieset.com and open the developer tools: Chrome or Edge: ⋮ › More tools › Developer tools; \
        Firefox: ☰ › More tools › Web Developer Tools; Safari: Develop › Show Web Inspector (first Settings › Advanced › Show features for web developers).
        2. In the Network tab, reload the page, click a request to studio.pixieset.com, and under Request Headers copy the whole value of Cookie.
        3. Paste it here and press Enter (nothing is shown while you paste).
        """

    @Flag(help: "Only check the session in use (PIXIESET_COOKIE or the config file) with one read; change nothing.")
    var check = false

    @OptionGroup var api: APIOptions

    func run() async throws {
        try await withExitCodes {
            let environment = ProcessInfo.processInfo.environment
            if check {
                let configuration = try api.resolve(environment: environment)
                let result = try await SessionCheck.run(configuration)
                printNow("ok: the session from \(configuration.cookieOrigin ?? "?") works (\(Self.describe(result.unread)))")
                if configuration.csrf.isEmpty { printError("warning: \(Self.noCSRF)") }
                return
            }
            guard let path = ConfigFile.defaultPath(environment: environment) else {
                throw Failure("no home folder to keep the config file in: set HOME (or XDG_CONFIG_HOME)", code: Exit.usage)
            }
            if isatty(STDIN_FILENO) == 1 { printError(Self.howToCopy) }
            guard let cookie = SecretInput.read(prompt: "Cookie: ") else {
                throw Failure("no cookie given; nothing changed", code: Exit.usage)
            }
            if let problem = CookieSource.problem(with: cookie) { throw Failure(problem, code: Exit.usage) }
            guard cookie.contains("=") else {
                throw Failure("that is not a Cookie header (it has no name=value pair); copy the whole value of Cookie", code: Exit.usage)
            }
            // The base URL as every other command resolves it, from a config file that may not exist yet.
            let existing = (try? ConfigFile.load(path: path, checkingMode: false)) ?? ConfigFile()
            let base = try api.resolveBaseURL(environment: environment, config: existing)
            let token = environment[CSRFTokens.environmentName] ?? existing.csrfToken
            let result: SessionCheck.Result
            do {
                result = try await SessionCheck.run(APIConfiguration(baseURL: base, cookie: cookie, cookieOrigin: "the pasted cookie", csrfToken: token))
            } catch PixiesetError.sessionExpired {
                throw Failure(
                    "the studio refused that cookie (is it the whole Cookie header, copied after logging in?); nothing changed",
                    code: Exit.sessionExpired)
            }
            // What the next commands need to speak to the same studio in its zone: the base URL
            // given here (else `doctor` checks another studio) and, when none is set, the zone of this machine now.
            let zone = Self.machineZone(environment)
            let values: KeyValuePairs<String, String> = switch (api.baseURL != nil, zone) {
            case (true, let zone?): ["cookie": cookie, "base_url": "\(base)", "tz": zone]
            case (true, nil): ["cookie": cookie, "base_url": "\(base)"]
            case (false, let zone?): ["cookie": cookie, "tz": zone]
            case (false, nil): ["cookie": cookie]
            }
            let written = try ConfigFile.store(values, keeping: ["tz"], at: path)
            printNow("saved: the session works (\(Self.describe(result.unread))); the cookie is in \(path) (mode 600)")
            if written.contains("base_url") { printNow("saved: base_url = \(base) (every command uses it now)") }
            if written.contains("tz"), let zone {
                printNow("saved: tz = \(zone), this machine's zone now: scripts count the studio's days and hours in it, wherever this machine travels (change tz in \(path) if the studio is elsewhere)")
            }
            if CSRFTokens(cookie: cookie, csrfToken: token).isEmpty { printError("warning: \(Self.noCSRF)") }
            if environment[CookieSource.environmentName]?.isEmpty == false {
                printError("note: PIXIESET_COOKIE is set in this shell and is used instead of the file; unset it to use the saved cookie")
            }
            printNow("next: pxscript doctor")
        }
    }

    /// This machine's zone as a name (`TZ` when set, as `:Area/City` or `Area/City`).
    /// Only a name of the zone database (`Europe/Lisbon`): a POSIX rule (`GMT+5`, `EST5EDT,M3.2.0,…`)
    /// reads the other way round or not at all, so it is never written as the studio's zone.
    static func machineZone(_ environment: [String: String]) -> String? {
        if let name = environment["TZ"], !name.isEmpty { return Self.databaseName(name.hasPrefix(":") ? String(name.dropFirst()) : name) }
        return Self.databaseName(TimeZone.current.identifier)
    }

    /// `name` when it is an `Area/City` name of the zone database (or UTC) that Foundation knows.
    static func databaseName(_ name: String) -> String? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let wellFormed = name == "UTC" || parts.count >= 2 && parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "_+-".unicodeScalars.contains($0) }
        } && parts[0].unicodeScalars.allSatisfy { CharacterSet.letters.contains($0) || $0 == "_" }
        return wellFormed && TimeZone(identifier: name) != nil ? name : nil
    }

    static let noCSRF = "the cookie has no XSRF-TOKEN pair and no csrf_token is set: reading works, but the studio may refuse sends "
        + "(exit 78); copy the whole Cookie header, with its XSRF-TOKEN"

    static func describe(_ unread: UnreadCount) -> String {
        "\(unread.unreadCount) unread message\(unread.unreadCount == 1 ? "" : "s") in \(unread.conversationsWithUnread) conversation\(unread.conversationsWithUnread == 1 ? "" : "s")"
    }
}
