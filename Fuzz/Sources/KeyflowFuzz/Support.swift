#if canImport(Glibc)
    import Glibc
#endif

/// Stops the process when a property the code promises does not hold, so libFuzzer saves
/// the input as a crash (a logic bug, not only a memory or trap bug).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        printError("KeyflowFuzz property violated: \(message())\n")
        abort()
    }
}

/// Splits an input at NUL bytes into at most `count` parts (the last keeps any further NULs),
/// so one input can carry several strings; missing parts are empty.
func parts(_ bytes: ArraySlice<UInt8>, count: Int) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    var rest = bytes
    while result.count < count - 1, let zero = rest.firstIndex(of: 0) {
        result.append(rest[rest.startIndex..<zero])
        rest = rest[(zero + 1)...]
    }
    result.append(rest)
    while result.count < count { result.append([]) }
    return result
}

/// Bytes as text, invalid UTF-8 replaced, as servers see them after decoding.
func text<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    String(decoding: bytes, as: UTF8.self)
}

/// Writes to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func printError(_ message: String) {
    var message = message
    message.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
