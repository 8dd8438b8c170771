import Foundation
import PixiesetKit

/// Copies of the files a request attaches, made when it is asked:
/// what the client gets is what was shown for approval, even if the file is
/// edited, moved or deleted before someone approves it. They live beside the
/// state (`state.sqlite.files/apr_…/`, private to you) and are removed when
/// the request is closed.
package enum ApprovalFiles {
    /// The folder of one request's copies.
    package static func folder(statePath: String, approval id: String) -> String { statePath + ".files/" + id }

    /// Copies `path` (already checked against the file policy) for request `id`.
    /// - Returns: the copy's path.
    /// - Throws: `PixiesetError.file` for a file that is missing, empty, not regular or over the attachment limit.
    package static func keep(_ path: String, filename: String, approval id: String, statePath: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else { throw PixiesetError.file(path: path, problem: "not a regular file") }
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0, size <= PixiesetClient.maximumAttachmentSize else {
            throw PixiesetError.file(path: path, problem: size == 0 ? "the file is empty" : "over the 10 MB attachment limit")
        }
        let folder = folder(statePath: statePath, approval: id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Numbered: two attachments may share a name.
        let count = (try? FileManager.default.contentsOfDirectory(atPath: folder).count) ?? 0
        let copy = folder + "/\(count + 1)-" + (filename.isEmpty ? "file" : filename.replacingOccurrences(of: "/", with: "_"))
        do {
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: copy)
        } catch {
            throw PixiesetError.file(path: path, problem: "cannot be copied for the approval request (\((error as NSError).localizedDescription))")
        }
        return copy
    }

    /// Removes request `id`'s copies (closed: sent, rejected, withdrawn, expired, or joined to another).
    package static func remove(approval id: String, statePath: String) {
        try? FileManager.default.removeItem(atPath: folder(statePath: statePath, approval: id))
        // The parent goes too once empty.
        let parent = statePath + ".files"
        if (try? FileManager.default.contentsOfDirectory(atPath: parent))?.isEmpty == true { try? FileManager.default.removeItem(atPath: parent) }
    }

    /// Whether `path` is one of the copies of the state at `statePath` (a recorded `kept:` path is trusted only then).
    package static func isKept(_ path: String, statePath: String) -> Bool {
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        return standard.hasPrefix(URL(fileURLWithPath: statePath + ".files/").standardizedFileURL.path + "/") && !standard.contains("/../")
    }
}
