import HTTPTypes
import MultipartKit
import NIOCore

/// A parsed `multipart/form-data` upload: the text fields, then the file.
///
/// Parsing is multipart-kit's; this type adds the rules of a signed upload:
/// the file part comes last and is the only file, the body is complete
/// (its closing boundary present), and fields are not repeated.
struct UploadForm {
    var fields: [String: String] = [:]
    var fileBytes: ByteBuffer?

    /// - Throws: `SandboxError` 400 naming what is wrong with the form.
    init(body: ByteBuffer, contentType: String?) throws {
        guard let contentType, let boundary = UploadForm.boundary(of: contentType) else {
            throw UploadForm.invalid("expected Content-Type multipart/form-data with a boundary")
        }
        guard UploadForm.endsWithClosingBoundary(body, boundary: boundary) else {
            throw UploadForm.invalid("the body is incomplete (no closing boundary): was the upload cut short?")
        }
        let parser = MultipartParser(boundary: boundary)
        var headers: [(String, String)] = []
        var partBody = ByteBuffer()
        var parts: [(headers: [(String, String)], body: ByteBuffer)] = []
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { chunk in partBody.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append((headers, partBody))
            headers = []
            partBody = ByteBuffer()
        }
        do {
            try parser.execute(body)
        } catch {
            throw UploadForm.invalid("the multipart body is malformed")
        }
        for (index, part) in parts.enumerated() {
            guard let disposition = part.headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
                  let name = UploadForm.parameter("name", in: disposition)
            else { throw UploadForm.invalid("part \(index + 1) has no Content-Disposition name") }
            if name == "file" {
                guard index == parts.count - 1 else { throw UploadForm.invalid("the file part must come last") }
                fileBytes = part.body
            } else {
                guard fields[name] == nil else { throw UploadForm.invalid("field '\(name.prefix(40))' is repeated") }
                fields[name] = String(buffer: part.body)
            }
        }
        guard fileBytes != nil else { throw UploadForm.invalid("no file part (named 'file')") }
    }

    static func invalid(_ message: String) -> SandboxError {
        SandboxError(.badRequest, code: "INVALID_UPLOAD", "Upload refused: \(message)")
    }

    /// Whether the body ends with `--boundary--` (then at most line breaks).
    static func endsWithClosingBoundary(_ body: ByteBuffer, boundary: String) -> Bool {
        let view = body.readableBytesView
        var end = view.endIndex
        while end > view.startIndex, view[end - 1] == 13 || view[end - 1] == 10 { end -= 1 }
        let closing = Array("--\(boundary)--".utf8)
        return end - view.startIndex >= closing.count && view[(end - closing.count)..<end].elementsEqual(closing)
    }

    /// The `boundary` parameter of a multipart Content-Type, validated as RFC 2046 allows (1–70 characters).
    static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = parameter("boundary", in: contentType),
              (1...70).contains(boundary.utf8.count)
        else { return nil }
        return boundary
    }

    /// A `name=value` or `name="value"` parameter of a header value.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimming(" \t").lowercased() == name else { continue }
            var value = pair[1].trimming(" \t")
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }
}

extension StringProtocol {
    func trimming(_ set: String) -> String {
        let chars = Set(set)
        return String(drop(while: { chars.contains($0) }).reversed().drop(while: { chars.contains($0) }).reversed())
    }
}
