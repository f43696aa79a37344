import Foundation
import Logging

/// The audit trail's `VaultEventSink`: writes every event of the vault to its team's chain in
/// the `AuditStore`. A change to a connection (every action but `credential.use`) is written
/// before `record` returns; credential uses, which are on the path of every APICall, are
/// buffered and written in batches: at `batchSize` records, `delay` after the first one
/// buffered, and on `flush()`. Everything is written in the order recorded. A failed write is
/// logged (its reason, never an event's content) and retried on the next flush; nothing is
/// thrown to the caller. At most `capacity` events wait: beyond that, uses are dropped and
/// counted (`dropped`), with a warning.
public actor AuditRecorder: VaultEventSink {
    /// Uses written together.
    public static let defaultBatchSize = 64
    /// How long the first buffered use waits for others.
    public static let defaultDelay = Duration.milliseconds(100)
    /// Events held at most while the store is away.
    public static let defaultCapacity = 10_000
    /// The most records one transaction writes.
    static let transactionLimit = 1_000

    let store: any AuditStore
    let chain: AuditChain
    let batchSize: Int
    let delay: Duration
    let capacity: Int
    let logger: Logger
    private var buffer: [VaultEvent] = []
    private var timer: Task<Void, Never>?
    private var writing: Task<Void, Never>?
    /// Events dropped because the buffer was full.
    public private(set) var dropped = 0
    /// Writes that failed (and were retried later).
    public private(set) var failedWrites = 0

    /// A recorder writing to `store` under `chain`.
    public init(
        store: any AuditStore, chain: AuditChain, batchSize: Int = defaultBatchSize, delay: Duration = defaultDelay,
        capacity: Int = defaultCapacity, logger: Logger = Logger(label: "keyflow.audit")
    ) {
        self.store = store
        self.chain = chain
        self.batchSize = max(1, batchSize)
        self.delay = delay
        self.capacity = max(1, capacity)
        self.logger = logger
    }

    /// Adds a recorder for `store` under `masterKey`'s chain key to `events`, unless
    /// `KEYFLOW_AUDIT=off` (for benchmarks only: nothing is audited then).
    public static func attach(
        to events: VaultEvents, store: any AuditStore, masterKey: MasterKey,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        guard environment["KEYFLOW_AUDIT"]?.lowercased() != "off" else { return }
        events.add(AuditRecorder(store: store, chain: AuditChain(masterKey: masterKey)))
    }

    /// Takes one event: a change is written before this returns, a use is buffered.
    public func record(_ event: VaultEvent) async {
        guard buffer.count < capacity else {
            dropped += 1
            if dropped == 1 || dropped % 1_000 == 0 {
                logger.warning(
                    "audit buffer full: events dropped",
                    metadata: [
                        "dropped": "\(dropped)", "capacity": "\(capacity)", "action": "\(event.action.rawValue)",
                    ])
            }
            return
        }
        buffer.append(event)
        if event.action != .credentialUse {
            await startWrite().value
        } else if buffer.count >= batchSize {
            _ = startWrite()
        } else if timer == nil {
            schedule(after: delay)
        }
    }

    /// Writes everything buffered (and waits for writes under way).
    public func flush() async {
        await startWrite().value
    }

    /// Events waiting to be written.
    public var pending: Int { buffer.count }

    private func schedule(after wait: Duration) {
        timer = Task { [weak self] in
            try? await Task.sleep(for: wait)
            guard !Task.isCancelled else { return }
            await self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        _ = startWrite()
    }

    /// A write of what is buffered once the write before it has ended, so batches keep their order.
    private func startWrite() -> Task<Void, Never> {
        timer?.cancel()
        timer = nil
        let previous = writing
        let task = Task {
            await previous?.value
            await self.writeBuffered()
        }
        writing = task
        return task
    }

    private func writeBuffered() async {
        while !buffer.isEmpty {
            let batch = Array(buffer.prefix(Self.transactionLimit))
            buffer.removeFirst(batch.count)
            do {
                try await store.appendAudit(batch, chain: chain)
            } catch {
                failedWrites += 1
                if case .masterKey = error {
                    // Signed under another key (the master key was rotated under this process):
                    // retrying cannot succeed.
                    dropped += batch.count
                    logger.error(
                        "audit records dropped: the chain is signed under another master key",
                        metadata: ["records": "\(batch.count)", "reason": "\(error.message)"])
                    continue
                }
                logger.error(
                    "audit write failed; retrying on the next flush",
                    metadata: ["records": "\(batch.count)", "reason": "\(error.message)"])
                buffer.insert(contentsOf: batch, at: 0)
                if buffer.count > capacity {
                    let excess = buffer.count - capacity
                    buffer.removeLast(excess)
                    dropped += excess
                }
                if timer == nil { schedule(after: .seconds(1)) }
                return
            }
        }
    }
}
