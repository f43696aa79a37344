import Synchronization

/// Something that wants the vault's events: the audit trail, connection health, metrics.
/// `record` is on the request path of every APICall: a sink that writes to a database buffers
/// and writes in batches, and never throws into the caller.
public protocol VaultEventSink: Sendable {
    /// Takes one event. Changes to connections are awaited by the code that made them; uses
    /// may be buffered.
    func record(_ event: VaultEvent) async
    /// Writes whatever is buffered (before a CLI command exits, on shutdown).
    func flush() async
}

/// The sinks of one vault (shared by every team's view of it), called in the order added.
public final class VaultEvents: Sendable {
    private let sinks = Mutex<[any VaultEventSink]>([])
    private let paused = Atomic<Bool>(false)

    /// No sinks yet.
    public init() {}

    /// Adds `sink`; it gets every event from now on.
    public func add(_ sink: any VaultEventSink) {
        sinks.withLock { $0.append(sink) }
    }

    /// Removes every sink (the benchmark's "audit off").
    package func removeAll() {
        sinks.withLock { $0.removeAll() }
    }

    /// Stops (or resumes) handing events to the sinks: the benchmark's "audit off", measured
    /// against "on" in the same process. Nothing else turns the audit trail off.
    package func pause(_ pause: Bool) {
        paused.store(pause, ordering: .relaxed)
    }

    /// Whether any sink listens: callers skip building an event nobody takes.
    public var isEmpty: Bool { paused.load(ordering: .relaxed) || sinks.withLock { $0.isEmpty } }

    /// Hands `event` to every sink.
    public func emit(_ event: VaultEvent) async {
        guard !paused.load(ordering: .relaxed) else { return }
        for sink in sinks.withLock({ $0 }) { await sink.record(event) }
    }

    /// Flushes every sink.
    public func flush() async {
        for sink in sinks.withLock({ $0 }) { await sink.flush() }
    }
}
