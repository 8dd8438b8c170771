extension KeyedDecodingContainer {
    /// Decodes an optional field tolerantly: missing, `null` or of another
    /// type all read as `nil`, so one odd field never loses a whole object.
    /// Required fields do not use this; they fail with the decoder's error.
    func lenient<T: Decodable>(_ type: T.Type, forKey key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }

    /// An integer that may arrive as a JSON number or a numeric string.
    func lenientInt(forKey key: Key) -> Int? {
        if let value = lenient(Int.self, forKey: key) { return value }
        if let text = lenient(String.self, forKey: key) { return Int(text) }
        if let value = lenient(Double.self, forKey: key), value.rounded() == value, abs(value) < 1e15 {
            return Int(value)
        }
        return nil
    }
}
