/// How a `PixiesetClient` talks to the API.
public struct APIConfiguration: Sendable {
    public var baseURL: BaseURL
    /// The browser's whole `Cookie` header value; sent to `baseURL` only.
    public var cookie: String?
    /// Where the cookie came from (`PIXIESET_COOKIE`, the config file's path), for error messages.
    public var cookieOrigin: String?
    /// A CSRF token given apart from the cookie (`csrf_token`, `PIXIESET_CSRF_TOKEN`), sent as
    /// `X-CSRF-Token` on writes; the cookie's own `XSRF-TOKEN` needs no setting.
    public var csrfToken: String?
    public var retry: RetryPolicy
    public var connectTimeout: Duration
    /// Longest wait for one answer.
    public var requestTimeout: Duration
    /// Largest answer accepted; a list page is a few hundred kilobytes.
    public var maxResponseBytes: Int

    /// These settings with answers refused above `bytes` too: a script under `--max-memory` cannot
    /// hold an answer larger than its memory (a Lua table is never smaller than its JSON), so one is
    /// refused before it is decoded, and decoding never costs a multiple of more than that.
    public func holding(atMost bytes: Int) -> APIConfiguration {
        var bounded = self
        bounded.maxResponseBytes = max(64 << 10, min(maxResponseBytes, bytes))
        return bounded
    }
    /// Allowance for clock differences when a send is looked for among the
    /// conversation's messages (docs/spec.md §6).
    public var reconciliationSkew: Duration
    /// The studio's clock, measured from the answers of every client made
    /// with this configuration (and read by the runtime's clock).
    public var studioClock: StudioClock
    /// How the client waits between tries and before its second search for a send: this
    /// machine's time by default (it paces a real server); a test gives its own, so no test
    /// waits on a backoff in real time.
    public var pause: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// A studio answering in this process (the sandbox's router): requests to its origin go to it
    /// instead of over HTTP (`InProcessStudio`). Nil for a real studio.
    public var inProcess: (any InProcessStudio)?

    /// The write proofs these settings send.
    public var csrf: CSRFTokens { CSRFTokens(cookie: cookie, csrfToken: csrfToken) }

    public init(
        baseURL: BaseURL, cookie: String?, cookieOrigin: String? = nil, csrfToken: String? = nil, retry: RetryPolicy = .standard, connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60), maxResponseBytes: Int = 32 << 20, reconciliationSkew: Duration = .seconds(120),
        studioClock: StudioClock = StudioClock()
    ) {
        self.baseURL = baseURL
        self.cookie = cookie
        self.cookieOrigin = cookieOrigin
        self.csrfToken = csrfToken
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
        self.reconciliationSkew = reconciliationSkew
        self.studioClock = studioClock
    }
}
