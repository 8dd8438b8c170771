/// Content types by file extension, for attachments given without one.
public enum ContentTypes {
    static let byExtension: [String: String] = [
        "pdf": "application/pdf",
        "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "heic": "image/heic", "tif": "image/tiff", "tiff": "image/tiff",
        "zip": "application/zip", "rar": "application/vnd.rar",
        "txt": "text/plain", "csv": "text/csv", "md": "text/markdown",
        "mp4": "video/mp4", "mov": "video/quicktime",
    ]

    /// The type for `filename`'s extension, or `application/octet-stream`.
    public static func forFile(_ filename: String) -> String {
        guard let dot = filename.lastIndex(of: "."), dot != filename.startIndex else { return "application/octet-stream" }
        return byExtension[filename[filename.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
