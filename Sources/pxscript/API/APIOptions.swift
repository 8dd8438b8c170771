import ArgumentParser
import Foundation
import PixiesetKit
import PXConfig

/// Where the API is and how to log in: `--base-url` > `PXSCRIPT_BASE_URL`
/// > the config file's `base_url` > the real API; the cookie from
/// `PIXIESET_COOKIE` > the config file's `cookie`, and a CSRF token from
/// `PIXIESET_CSRF_TOKEN` > `csrf_token` (docs/spec.md §5).
struct APIOptions: ParsableArguments {
    @Option(name: .customLong("base-url"), help: "The API's base URL (default: PXSCRIPT_BASE_URL, the config file, or Pixieset Studio).")
    var baseURL: String?

    /// The client configuration for these options.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APIConfiguration {
        let configPath = ConfigFile.defaultPath(environment: environment)
        let config = try configPath.map { try ConfigFile.load(path: $0) } ?? ConfigFile()
        let base = try resolveBaseURL(environment: environment, config: config)
        try Self.checkFixedNow(environment: environment, base: base)
        // The file is already loaded: the cookie comes from it (or the environment) without reading it again.
        guard let credentials = CookieSource.credentials(environment: environment, config: config) else {
            throw Failure(
                "no session cookie: run `pxscript login` to store the Cookie header your browser sends to studio.pixieset.com "
                    + "(in \(configPath ?? "~/.config/pxscript/config.toml")), or set PIXIESET_COOKIE",
                code: Exit.sessionExpired)
        }
        if let problem = CookieSource.problem(with: credentials.cookie) { throw ValidationError("\(problem) (from \(credentials.origin))") }
        if let token = credentials.csrfToken, CookieSource.problem(with: token) != nil {
            throw ValidationError("the CSRF token contains a line break or another control character; copy it again, as one line")
        }
        return APIConfiguration(
            baseURL: base, cookie: credentials.cookie, cookieOrigin: credentials.origin, csrfToken: credentials.csrfToken)
    }

    /// The base URL alone (no cookie needed): for naming a script's state.
    func resolveBaseURL(environment: [String: String], config: ConfigFile) throws -> BaseURL {
        let text = baseURL ?? environment["PXSCRIPT_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? config.baseURL ?? BaseURL.pixieset
        do {
            return try BaseURL(parsing: text)
        } catch PixiesetError.invalidRequest(let problem) {
            // A bad --base-url, PXSCRIPT_BASE_URL or base_url is a usage error (64).
            throw ValidationError(problem)
        }
    }

    /// `PXSCRIPT_NOW` fixes clocks for tests; against a real studio it would
    /// date sends wrongly, so it is refused off loopback (docs/spec.md §4).
    static func checkFixedNow(environment: [String: String], base: BaseURL) throws {
        if let now = environment["PXSCRIPT_NOW"], !now.isEmpty, !base.isLoopback {
            throw ValidationError("PXSCRIPT_NOW is only allowed against a loopback sandbox, not \(base)")
        }
    }
}
