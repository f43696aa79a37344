// The libFuzzer entry points and main.
// scripts/fuzz) picks the one this process runs, so there is one build for all of them.
#if canImport(Glibc)
    import Glibc
#endif

/// The targets by name, as `scripts/fuzz TARGET` spells them.
nonisolated(unsafe) let targets: [String: ([UInt8]) -> Void] = [
    "json": JSONTarget.run,
    "agent": AgentTarget.run,
    "template": TemplateTarget.run,
    "token-response": TokenResponseTarget.run,
    "callback": CallbackTarget.run,
    "oauth-section": OAuthSectionTarget.run,
    "form-encoding": FormEncodingTarget.run,
    "request-url": RequestURLTarget.run,
    "typing": TypingTarget.run,
    "llm-response": LLMResponseTarget.run,
]

nonisolated(unsafe) var selected: (([UInt8]) -> Void)?

/// libFuzzer calls this once before the first input: choose the target.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let name = getenv("KEYFLOW_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = targets[name] else {
        let names = targets.keys.sorted().joined(separator: ", ")
        printError("KeyflowFuzz: set KEYFLOW_FUZZ_TARGET to one of: \(names)\n")
        exit(2)
    }
    selected = target
    return 0
}

/// libFuzzer calls this with each input; a crash or a failed property is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected?(bytes)
    return 0
}

/// libFuzzer's driver, which its own `main` would call (LLVMFuzzerRunDriver in FuzzerInterface.h).
@_silgen_name("LLVMFuzzerRunDriver")
func runLibFuzzer(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` to this module's entry point, so the entry point hands
/// over to libFuzzer's driver (libFuzzer's own `main` is then not linked).
@main
enum KeyflowFuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runLibFuzzer(&argc, &argv, { data, size in fuzzTestOneInput(data, size) }))
    }
}
