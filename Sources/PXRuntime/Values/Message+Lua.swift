import LuaKit
import PixiesetModels
import PXState

extension Message {
    /// The message as a Lua table, exactly what `LuaValueEncoder` makes of
    /// it (a missing field is no entry), built directly: `px.send` returns
    /// one for every send, and the encoder's generic `Codable` walk was a
    /// tenth of a bulk run's own work. `MessageLuaTests` holds the two equal.
    var luaValue: LuaValue {
        var fields = [LuaValue: LuaValue](minimumCapacity: 8)
        fields[.text("id")] = .text(id)
        fields[.text("content")] = .text(content)
        fields[.text("sent_at")] = .text(sentAt.text)
        fields[.text("sender_type")] = .text(senderType.rawValue)
        fields[.text("attachments")] = .array(attachments.map(\.luaValue))
        fields[.text("conversation_id")] = conversationID.map(LuaValue.text)
        fields[.text("sender_id")] = senderID.map(LuaValue.text)
        fields[.text("read_at")] = readAt.map { .text($0.text) }
        return .map(fields)
    }
}

extension Message {
    /// A message pxscript sent, as `px.send` returns it: `automated = true`, `from = "studio"`.
    var sentLuaValue: LuaValue {
        guard case .map(var fields) = luaValue else { return luaValue }
        fields[.text("automated")] = .boolean(true)
        fields[.text("from")] = .text("studio")
        return .map(fields)
    }
}

extension Attachment {
    var luaValue: LuaValue {
        var fields = [LuaValue: LuaValue](minimumCapacity: 5)
        fields[.text("id")] = .text(id)
        fields[.text("filename")] = .text(filename)
        fields[.text("file_size")] = fileSize.map { .integer(Int64($0)) }
        fields[.text("content_type")] = contentType.map(LuaValue.text)
        fields[.text("url")] = url.map(LuaValue.text)
        return .map(fields)
    }
}
