import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line: `timestamp` (UTC, ISO 8601 with
/// milliseconds), `level`, `label`, `message` and `metadata` (the logger's, the metadata
/// provider's, then the line's own, later ones winning). Lines are written whole, one
/// `write(2)` each, so lines from several threads never interleave.
public struct JSONLogHandler: LogHandler {
    /// Where lines go.
    public enum Stream: Sendable {
        case standardOutput, standardError
    }

    let label: String
    let stream: Stream
    /// Collects the lines instead of writing them (tests).
    let sink: (@Sendable (String) -> Void)?
    /// The level below which `Logger` drops lines before they get here.
    public var logLevel: Logger.Level
    /// Metadata of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata read when a line is written: the run, agent, component and actor, the trace.
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for `label` writing to `stream`.
    public init(
        label: String, level: Logger.Level, stream: Stream = .standardError,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.logLevel = level
        self.stream = stream
        self.metadataProvider = metadataProvider
        self.sink = nil
    }

    /// A handler that hands each line (without its newline) to `sink`.
    public init(
        label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil,
        sink: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.logLevel = level
        self.stream = .standardError
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    /// One metadata value of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        let line = Self.line(
            timestamp: Date(), level: event.level, label: label, message: event.message.description,
            metadata: merged)
        if let sink { return sink(line) }
        Self.write(line + "\n", to: stream == .standardOutput ? STDOUT_FILENO : STDERR_FILENO)
    }

    /// The JSON object of one line.
    public static func line(
        timestamp: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var out = "{\"timestamp\":\"" + iso8601(timestamp) + "\",\"level\":\"" + level.rawValue + "\",\"label\":"
        appendString(label, to: &out)
        out += ",\"message\":"
        appendString(message, to: &out)
        out += ",\"metadata\":"
        appendValue(.dictionary(metadata), to: &out)
        out += "}"
        return out
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .stringConvertible(let value): appendString(value.description, to: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        case .dictionary(let entries):
            out += "{"
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                if let element = entries[key] { appendValue(element, to: &out) }
            }
            out += "}"
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    private static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _
            where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
                || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `2025-06-01T12:00:00.123Z`, from the C library (no formatter objects, no locale).
    static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e11 else { return "1970-01-01T00:00:00.000Z" }
        var whole = time_t(seconds.rounded(.down))
        let milliseconds = min(999, max(0, Int((seconds - seconds.rounded(.down)) * 1000)))
        var parts = tm()
        guard gmtime_r(&whole, &parts) != nil else { return "1970-01-01T00:00:00.000Z" }
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }

    private static let writing = Mutex(())

    /// Writes all of `line`, retrying short writes, under one lock.
    private static func write(_ line: String, to descriptor: Int32) {
        let bytes = Array(line.utf8)
        writing.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes {
                    Foundation.write(descriptor, $0.baseAddress, $0.count)
                }
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
