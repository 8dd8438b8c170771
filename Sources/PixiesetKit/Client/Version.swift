/// pxscript's version: `--version`, the `User-Agent` of every request, `doctor`.
public enum PxscriptVersion {
    public static let current = "0.1.0"
    /// The honest `User-Agent`: a studio's logs show what made the request.
    public static var userAgent: String { "pxscript/\(current)" }
}
