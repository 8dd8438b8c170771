import PXState

extension RuntimeError: CarriesLocalFault {
    public var localFault: LocalFault? {
        if case .localFault(let message, let kind) = self { return LocalFault(kind, path: nil, detail: message) }
        return nil
    }
}
