import Foundation

extension KeyflowServer {
    /// Where `keyflow serve` listens, so that the request boundary knows which Host and
    /// Origin names are its own (the public URL's name is read from the vault's home).
    public struct Binding: Sendable, Equatable {
        /// The address bound, as given to `--host` (a name or an IP literal).
        public var host: String
        /// The port bound; 0 (the operating system picks one, as in tests) accepts any port.
        public var port: Int

        /// The address and port to bind.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Whether the bound address is this machine's loopback, which `localhost` also names.
        public var isLoopback: Bool {
            let name = host.lowercased()
            return name == "localhost" || name == "::1" || name == "[::1]" || name.hasPrefix("127.")
        }
    }
}
