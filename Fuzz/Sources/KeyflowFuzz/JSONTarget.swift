import Runtime

/// JSONParser on any bytes; a document that parses must survive JSONWriter (compact and
/// pretty) and parse back to the same value.
enum JSONTarget {
    static func run(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        for pretty in [false, true] {
            let written = JSONWriter.string(value, pretty: pretty)
            do {
                let again = try JSONParser.parse(written)
                require(again == value, "JSON round trip changed the value (pretty: \(pretty)): \(written)")
            } catch {
                require(false, "JSONWriter wrote what JSONParser refuses (\(error)): \(written)")
            }
        }
    }
}
