import Foundation

/// One line of results: a figure of Keyflow, what it is compared with (a peer or the limit),
/// their ratio and whether the target is met.
struct ResultRow: Sendable {
    var suite: String
    var name: String
    /// The measured figure, in `unit`.
    var value: Double
    var unit: String
    /// What it is compared with, e.g. "node-oauth-1.0a 45,000 /s"; nil when nothing is.
    var comparison: String?
    /// The comparison as a number: how many times better (or the share of the limit).
    var ratio: Double?
    /// The target in words, e.g. "≥ 10×".
    var target: String?
    /// Nil when the row has no target; false when missed.
    var met: Bool?
    /// Why a peer was skipped, or a note about the figure.
    var note: String?
}

/// Prints the results as a table and writes them as JSON.
enum Report {
    static func format(_ value: Double) -> String {
        if value.isNaN { return "n/a" }
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.minimumFractionDigits = digits
        formatter.maximumFractionDigits = digits
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func table(_ rows: [ResultRow]) -> String {
        let header = ["suite", "figure", "value", "compared with", "ratio", "target", "met"]
        let cells = rows.map { row in
            [
                row.suite, row.name, "\(format(row.value)) \(row.unit)", row.comparison ?? "",
                row.ratio.map { format($0) + "×" } ?? "",
                row.target ?? "", row.met.map { $0 ? "yes" : "NO" } ?? "",
            ]
        }
        var widths = header.map(\.count)
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func render(_ line: [String]) -> String {
            line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  "
            )
            .trimmingCharacters(in: .whitespaces)
        }
        var out = [render(header), render(widths.map { String(repeating: "-", count: $0) })]
        out += cells.map(render)
        let notes = rows.compactMap { row in row.note.map { "  \(row.suite) / \(row.name): \($0)" } }
        if !notes.isEmpty { out += ["", "notes:"] + notes }
        return out.joined(separator: "\n")
    }

    static func json(_ rows: [ResultRow], environment: [String: String]) throws -> Data {
        let objects: [[String: Any]] = rows.map { row in
            // A failed suite's row has no value (NaN), which JSON cannot hold: it is written as null.
            var object: [String: Any] = [
                "suite": row.suite, "name": row.name, "value": row.value.isFinite ? row.value : NSNull(),
                "unit": row.unit,
            ]
            if let comparison = row.comparison { object["compared_with"] = comparison }
            if let ratio = row.ratio { object["ratio"] = ratio }
            if let target = row.target { object["target"] = target }
            if let met = row.met { object["met"] = met }
            if let note = row.note { object["note"] = note }
            return object
        }
        return try JSONSerialization.data(
            withJSONObject: ["environment": environment, "results": objects],
            options: [.prettyPrinted, .sortedKeys])
    }
}
