import Foundation

/// The target `PXFUZZ_TARGET` names, looked up once.
nonisolated(unsafe) private var selected: (@Sendable ([UInt8]) -> Void)?

/// libFuzzer's entry point: one input to the chosen target.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["PXFUZZ_TARGET"] ?? ""
        guard let target = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("PXFUZZ_TARGET must be one of \(FuzzTargets.all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(64)
        }
        selected = target
    }
    selected?(Array(UnsafeRawBufferPointer(start: data, count: count)))
    return 0
}
