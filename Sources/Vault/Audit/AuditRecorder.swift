import Foundation
import Logging
import Synchronization

/// The audit trail's `VaultEventSink`: writes every event of the vault to its team's chain in
/// the `AuditStore`. A change to a connection (every action but `credential.use`) is written
/// before `record` returns; credential uses, which are on the path of every APICall, are
/// buffered and written in batches: at `batchSize` records, `delay` after the first one
/// buffered, and on `flush()`. Everything is written in the order recorded. A failed write is
/// logged (its reason, never an event's content) and retried on the next flush; nothing is
/// thrown to the caller. At most `capacity` events wait: beyond that, uses are dropped and
/// counted (`dropped`), with a warning.
///
/// A use costs its caller one lock and an append: no actor hop, no task. One drain at a time
/// writes, and it takes everything buffered when it starts each transaction, so under load
/// the batches grow with the rate (up to `transactionLimit`) instead of queueing one write per
/// `batchSize` uses.
public final class AuditRecorder: VaultEventSink {
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

    private struct State {
        var buffer: [VaultEvent] = []
        /// A drain is scheduled or running: it will write whatever is buffered.
        var draining = false
        /// A timer will start a drain.
        var timerArmed = false
        var dropped = 0
        var failedWrites = 0
    }

    private let state = Mutex(State())
    /// The last write asked for: each waits for the one before it, so batches reach the chain
    /// in the order they were recorded. (Not an actor: an actor would let a second write in
    /// while the first awaits the store.)
    private let lastWrite = Mutex<Task<Void, Never>?>(nil)

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

    /// Events dropped because the buffer was full.
    public var dropped: Int { state.withLock(\.dropped) }
    /// Writes that failed (and were retried later).
    public var failedWrites: Int { state.withLock(\.failedWrites) }
    /// Events waiting to be written.
    public var pending: Int { state.withLock(\.buffer.count) }

    private enum Next {
        case nothing, drain, arm
    }

    /// Takes one event: a change is written before this returns, a use is buffered.
    public func record(_ event: VaultEvent) async {
        let isUse = event.action == .credentialUse
        let (accepted, next, dropped) = state.withLock { state -> (Bool, Next, Int) in
            guard state.buffer.count < capacity else {
                state.dropped += 1
                return (false, .nothing, state.dropped)
            }
            state.buffer.append(event)
            guard isUse else { return (true, .nothing, 0) }
            if state.draining || state.buffer.count < batchSize {
                guard !state.draining, !state.timerArmed else { return (true, .nothing, 0) }
                state.timerArmed = true
                return (true, .arm, 0)
            }
            state.draining = true
            return (true, .drain, 0)
        }
        guard accepted else {
            if dropped == 1 || dropped % 1_000 == 0 {
                logger.warning(
                    "audit buffer full: events dropped",
                    metadata: [
                        "dropped": "\(dropped)", "capacity": "\(capacity)", "action": "\(event.action.rawValue)",
                    ])
            }
            return
        }
        if !isUse {
            await flush()
            return
        }
        switch next {
        case .nothing: break
        case .drain: Task { await self.drain() }
        case .arm: drain(after: delay)
        }
    }

    /// Writes everything buffered (and waits for writes under way).
    public func flush() async {
        state.withLock { $0.draining = true }
        await drain()
    }

    /// Writes what is buffered, a transaction at a time, after any write under way. The
    /// buffer is read at the start of each transaction, so uses recorded meanwhile go in too.
    private func drain() async {
        let write = lastWrite.withLock { last -> Task<Void, Never> in
            let previous = last
            let write = Task {
                await previous?.value
                while let batch = self.takeBatch() {
                    if let error = await self.append(batch) {
                        self.failed(batch, error)
                        return
                    }
                }
            }
            last = write
            return write
        }
        await write.value
    }

    /// Writes one batch; the store's error, if any.
    private func append(_ batch: [VaultEvent]) async -> VaultError? {
        do throws(VaultError) {
            try await store.appendAudit(batch, chain: chain)
            return nil
        } catch {
            return error
        }
    }

    /// The next batch to write, or nil (and no drain any more) when the buffer is empty.
    private func takeBatch() -> [VaultEvent]? {
        state.withLock { state in
            guard !state.buffer.isEmpty else {
                state.draining = false
                return nil
            }
            let count = min(state.buffer.count, Self.transactionLimit)
            let batch = Array(state.buffer.prefix(count))
            state.buffer.removeFirst(count)
            return batch
        }
    }

    /// Puts a batch that could not be written back in front (or drops it when it can never be
    /// written), and retries in a second.
    private func failed(_ batch: [VaultEvent], _ error: VaultError) {
        let retry = state.withLock { state -> Bool in
            state.failedWrites += 1
            state.draining = false
            if case .masterKey = error {
                state.dropped += batch.count
                return false
            }
            state.buffer.insert(contentsOf: batch, at: 0)
            if state.buffer.count > capacity {
                let excess = state.buffer.count - capacity
                state.buffer.removeLast(excess)
                state.dropped += excess
            }
            guard !state.timerArmed else { return false }
            state.timerArmed = true
            return true
        }
        if case .masterKey = error {
            // Signed under another key (the master key was rotated under this process):
            // retrying cannot succeed.
            logger.error(
                "audit records dropped: the chain is signed under another master key",
                metadata: ["records": "\(batch.count)", "reason": "\(error.message)"])
        } else {
            logger.error(
                "audit write failed; retrying on the next flush",
                metadata: ["records": "\(batch.count)", "reason": "\(error.message)"])
        }
        guard retry else { return }
        drain(after: .seconds(1))
    }

    /// The armed timer: after `wait`, a drain unless one is under way or nothing waits.
    private func drain(after wait: Duration) {
        Task {
            try? await Task.sleep(for: wait)
            let start = self.state.withLock { state -> Bool in
                state.timerArmed = false
                guard !state.draining, !state.buffer.isEmpty else { return false }
                state.draining = true
                return true
            }
            if start { await self.drain() }
        }
    }
}
