import Foundation

extension Timestamp {
    /// `date` in the canonical form, to the nearest microsecond (a far-off date saturates).
    public init(_ date: Date) {
        self.init(microseconds: Int64(saturating: (date.timeIntervalSince1970 * 1_000_000).rounded()))
    }
}
