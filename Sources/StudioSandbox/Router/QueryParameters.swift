import Hummingbird

/// Reads and checks query parameters, answering 400 with the parameter's
/// name for a value of the wrong shape.
struct QueryParameters {
    private let values: [(String, String)]

    init(_ request: Request) {
        values = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    func string(_ name: String) -> String? {
        values.first { $0.0 == name }?.1
    }

    func requiredString(_ name: String) throws -> String {
        guard let value = string(name), !value.isEmpty else {
            throw SandboxError.invalidParameter(name, "is required")
        }
        return value
    }

    func int(_ name: String, default defaultValue: Int, minimum: Int) throws -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text), value >= minimum else {
            throw SandboxError.invalidParameter(name, "must be a whole number of at least \(minimum)")
        }
        return value
    }

    func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let text = string(name) else { return defaultValue }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw SandboxError.invalidParameter(name, "must be true or false")
        }
    }
}
