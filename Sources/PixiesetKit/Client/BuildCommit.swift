/// The commit a binary was built from: `scripts/stamp-commit` (used by
/// `scripts/install` and `scripts/release`) writes it here for the build
/// and puts this placeholder back; a plain `swift build` says "dev".
public enum BuildCommit {
    public static let value = "dev"
}
