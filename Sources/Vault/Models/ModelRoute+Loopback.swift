import OAuthCore

extension ModelRoute {
    /// Whether the base URL is on this machine (`http://127.0.0.1:11434/v1`): a local model
    /// server a team member named explicitly, which requests may reach although the server's
    /// address policy refuses loopback for everything else.
    public var isOnLoopback: Bool {
        guard let url = try? RequestURL(baseURL) else { return false }
        let host = url.host.hasPrefix("[") ? String(url.host.dropFirst().dropLast()) : url.host
        return ModelBaseURL.isLoopback(host: host, address: IPAddress(host))
    }
}
