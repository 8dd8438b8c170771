import LuaKit
import PXState

extension LuaError: CarriesLocalFault {
    /// The px error a px function raised for a local fault, passed through the script.
    public var localFault: LocalFault? {
        guard let cause, cause.raisedByHost, cause.code == PxErrorCode.localFault.rawValue else { return nil }
        return LocalFault(cause.kind.flatMap(LocalFault.Kind.init(rawValue:)) ?? .io, path: nil, detail: cause.detail ?? cause.message ?? "")
    }
}
