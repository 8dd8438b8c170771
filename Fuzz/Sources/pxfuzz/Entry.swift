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

/// libFuzzer's driver, run from the executable's entry point (SwiftPM names
/// an executable's `main` after its module, `pxfuzz_main`).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer, Int) -> CInt
) -> CInt

@_cdecl("pxfuzz_main")
public func pxfuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
