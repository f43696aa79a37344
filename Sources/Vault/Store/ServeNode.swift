/// A running `keyflow serve` process, as it announces itself in the store it serves.
public struct ServeNode: Sendable, Equatable {
    /// How often a node says it is alive.
    public static let heartbeatInterval: Duration = .seconds(5)
    /// How old a heartbeat may be before its node counts as gone (three missed beats).
    public static let staleAfter: Double = 15

    /// Random per process.
    public var id: String
    /// The machine's host name.
    public var host: String
    /// The process id on that machine.
    public var pid: Int64
    /// When the process started (seconds since 1970).
    public var startedAt: Double
    /// Its last heartbeat (seconds since 1970).
    public var seenAt: Double

    /// A node row.
    public init(id: String, host: String, pid: Int64, startedAt: Double, seenAt: Double) {
        self.id = id
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.seenAt = seenAt
    }
}
