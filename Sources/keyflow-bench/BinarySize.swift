import Foundation

/// The size of an executable on disk and of what the loader maps from it, read from its ELF
/// program headers: `cold` reports it next to the time, since paging in the binary is part of
/// a cold start. The rest of the file (debug info, symbols) is never mapped.
struct BinarySize: Sendable {
    /// Bytes on disk.
    var file: UInt64
    /// Bytes of the executable `PT_LOAD` segments (code, read-only data, unwind tables).
    var text: UInt64
    /// Bytes of the other `PT_LOAD` segments in memory (relocated and writable data, bss).
    var data: UInt64

    /// Reads `path`; nil when it cannot be read or is not a little-endian 64-bit ELF file.
    static func of(_ path: String) -> BinarySize? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let file = try? handle.seekToEnd(), (try? handle.seek(toOffset: 0)) != nil,
            let header = try? handle.read(upToCount: 64), header.count == 64,
            header.starts(with: [0x7F, 0x45, 0x4C, 0x46, 2, 1])  // \x7FELF, 64-bit, little-endian
        else { return nil }
        let bytes = [UInt8](header)
        let tableOffset = integer(bytes, at: 0x20, size: 8)
        let entrySize = integer(bytes, at: 0x36, size: 2)
        let count = integer(bytes, at: 0x38, size: 2)
        guard entrySize >= 56, count <= 256, tableOffset < file, (try? handle.seek(toOffset: tableOffset)) != nil,
            let table = try? handle.read(upToCount: Int(entrySize * count)), table.count == Int(entrySize * count)
        else { return nil }
        let entries = [UInt8](table)
        var size = BinarySize(file: file, text: 0, data: 0)
        for index in 0..<Int(count) {
            let base = index * Int(entrySize)
            let type = integer(entries, at: base, size: 4)
            let flags = integer(entries, at: base + 4, size: 4)
            let memory = integer(entries, at: base + 0x28, size: 8)
            guard type == 1 else { continue }  // PT_LOAD
            if flags & 1 != 0 {  // PF_X
                size.text &+= memory
            } else {
                size.data &+= memory
            }
        }
        return size
    }

    /// A little-endian unsigned integer of `size` bytes at `offset` (the caller checked the bounds).
    private static func integer(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }

    /// "147.96 MB on disk; mapped: 34.0 MB code and read-only data, 4.1 MB data".
    var description: String {
        func megabytes(_ bytes: UInt64) -> String { Report.format(Double(bytes) / 1e6) + " MB" }
        return "\(megabytes(file)) on disk (\(file) bytes); mapped: \(megabytes(text)) code and read-only data, "
            + "\(megabytes(data)) data"
    }
}
