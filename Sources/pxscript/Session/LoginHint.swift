/// The line every command's `--help` that talks to the studio ends with:
/// where the session comes from (a newcomer met no `--help` that said).
enum LoginHint {
    static let text = """
        The session is your browser's Cookie header: store it with `pxscript login`, or set PIXIESET_COOKIE \
        (PIXIESET_CSRF_TOKEN for a separate CSRF token); `pxscript doctor` checks it.
        """
}
