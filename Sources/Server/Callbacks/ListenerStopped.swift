/// The listener ended before a login finished (usually: the port is taken).
public struct ListenerStopped: Error, CustomStringConvertible {
    /// The address it listened on.
    public let host: String
    /// The port it listened on.
    public let port: Int
    /// What the user reads.
    public var description: String { "the callback listener on \(host):\(port) stopped (is the port in use?)" }
}
