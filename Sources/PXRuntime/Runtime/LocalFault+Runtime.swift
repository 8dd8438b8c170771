import LuaKit
import PXState

extension RuntimeError: CarriesLocalFault {
    public var localFault: LocalFault? {
        if case .localFault(let message, let kind) = self { return LocalFault(kind, path: nil, detail: message) }
        return nil
    }
}

extension LuaError: CarriesLocalFault {
    /// The px error a px function raised for a local fault, passed through the script.
    public var localFault: LocalFault? {
        guard let cause, cause.raisedByHost, cause.code == PxErrorCode.localFault.rawValue else { return nil }
        return LocalFault(cause.kind.flatMap(LocalFault.Kind.init(rawValue:)) ?? .io, path: nil, detail: cause.detail ?? cause.message ?? "")
    }
}
