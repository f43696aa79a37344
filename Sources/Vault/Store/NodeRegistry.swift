/// The `keyflow serve` processes using a store, each seen by its heartbeat, so that a command
/// that must not run under a live server (`keyflow db copy` from this store) can tell.
public protocol NodeRegistry: Sendable {
    /// Adds the node, or records its heartbeat (`seenAt`).
    func announce(_ node: ServeNode) async throws(VaultError)
    /// Removes the node (a clean shutdown); false when it was not there.
    @discardableResult func retire(nodeID: String) async throws(VaultError) -> Bool
    /// The nodes whose last heartbeat is after `time`.
    func nodes(seenAfter time: Double) async throws(VaultError) -> [ServeNode]
}
