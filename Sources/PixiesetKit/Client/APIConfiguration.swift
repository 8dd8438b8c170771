/// How a `PixiesetClient` talks to the API.
public struct APIConfiguration: Sendable {
    public var baseURL: BaseURL
    /// The browser's whole `Cookie` header value; sent to `baseURL` only.
    public var cookie: String?
    public var retry: RetryPolicy
    public var connectTimeout: Duration
    /// Longest wait for one answer.
    public var requestTimeout: Duration
    /// Largest answer accepted; a list page is a few hundred kilobytes.
    public var maxResponseBytes: Int
    /// Allowance for clock differences when a send is looked for among the
    /// conversation's messages (SPEC §6).
    public var reconciliationSkew: Duration
    /// The studio's clock, measured from the answers of every client made
    /// with this configuration (and read by the runtime's clock).
    public var studioClock: StudioClock

    public init(
        baseURL: BaseURL, cookie: String?, retry: RetryPolicy = .standard, connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60), maxResponseBytes: Int = 32 << 20, reconciliationSkew: Duration = .seconds(120),
        studioClock: StudioClock = StudioClock()
    ) {
        self.baseURL = baseURL
        self.cookie = cookie
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
        self.reconciliationSkew = reconciliationSkew
        self.studioClock = studioClock
    }
}
