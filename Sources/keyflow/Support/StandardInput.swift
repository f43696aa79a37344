import Foundation

/// Reading secrets from standard input (`--client-secret -`), so they stay out of shell
/// history and process lists.
enum StandardInput {
    /// `value` itself, or the first line of standard input when `value` is `-`.
    static func secret(_ value: String, option: String) throws -> String {
        guard value == "-" else { return value }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CLIError("\(option) -: nothing was read from standard input")
        }
        return line
    }
}

/// Reading files named on the command line, with errors that name the option and path.
enum InputFile {
    static func text(_ path: String, option: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(option) \(path): the file cannot be read")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Messages for people on standard error, so standard output stays machine-readable.
enum FileHandleOutput {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
