import Foundation
import OAuthCore
import ServiceLifecycle
import Vault

/// Announces this `keyflow serve` process in the store it serves and keeps announcing it, so
/// `keyflow db copy` refuses to copy from a store a server is writing to. Removed again on a
/// graceful shutdown; a killed process is forgotten once its heartbeat is `ServeNode.staleAfter` old.
public struct ServeNodeHeartbeat: Service {
    let registry: any NodeRegistry
    let node: ServeNode

    /// A heartbeat of this process into `registry`.
    public init(registry: any NodeRegistry) {
        self.registry = registry
        let now = Date().timeIntervalSince1970
        node = ServeNode(
            id: "kn_" + SecureRandom.token().prefix(16), host: ProcessInfo.processInfo.hostName,
            pid: Int64(ProcessInfo.processInfo.processIdentifier), startedAt: now, seenAt: now)
    }

    /// Announces the node, then beats until the service group shuts down, then retires it.
    public func run() async throws {
        try await registry.announce(node)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: ServeNode.heartbeatInterval)
                var beat = node
                beat.seenAt = Date().timeIntervalSince1970
                // A missed beat (the database restarting) is retried at the next one.
                try? await registry.announce(beat)
            }
        }
        try? await registry.retire(nodeID: node.id)
    }
}
