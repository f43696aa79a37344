import Foundation
import Runtime
import Vault

/// What a queued run asks for, as sealed in its row: the endpoint, the inputs, and the caller's
/// timeout (which can only shorten the worker's wall-time limit).
struct RunRequest: Sendable, Equatable {
    var endpoint: String?
    var inputs: JSONObject
    var timeout: Duration

    var bytes: Data {
        Data(
            JSONWriter.string(
                .object(
                    JSONObject([
                        ("endpoint", endpoint.map(JSONValue.string) ?? .null), ("inputs", .object(inputs)),
                        ("timeout_seconds", .number(SafeNumbers.seconds(of: timeout))),
                    ]))
            ).utf8)
    }

    /// The request of a stored run; nil when the bytes are not one (written by a newer Keyflow).
    init?(bytes: Data) {
        guard let object = (try? JSONParser.parse(Array(bytes)))?.objectValue,
            let seconds = object["timeout_seconds"]?.numberValue
        else { return nil }
        endpoint = object["endpoint"]?.stringValue
        inputs = object["inputs"]?.objectValue ?? JSONObject()
        timeout = SafeNumbers.duration(seconds: seconds)
    }

    init(endpoint: String?, inputs: JSONObject, timeout: Duration) {
        self.endpoint = endpoint
        self.inputs = inputs
        self.timeout = timeout
    }
}

/// What a finished run keeps, sealed: its output (nil when it failed), its redacted trace, and
/// why it failed in full. An error can quote what the caller sent (an endpoint's name, an
/// input), so only a summary of it is stored in the clear (`RunFailure.summary`).
struct RunRecord: Sendable {
    var output: JSONValue?
    var trace: [JSONValue]
    var error: String?

    var bytes: Data {
        Data(
            JSONWriter.string(
                .object(
                    JSONObject([
                        ("output", output ?? .null), ("trace", .array(trace)),
                        ("error", error.map(JSONValue.string) ?? .null),
                    ]))
            ).utf8)
    }

    init(output: JSONValue?, trace: [JSONValue], error: String? = nil) {
        self.output = output
        self.trace = trace
        self.error = error
    }

    init?(bytes: Data) {
        guard let object = (try? JSONParser.parse(Array(bytes)))?.objectValue else { return nil }
        output = object["output"]
        trace = object["trace"]?.arrayValue ?? []
        error = object["error"]?.stringValue
    }
}
