import Foundation

/// Where a request may connect under an `AddressPolicy`, decided before it is sent.
struct AddressCheck {
    let policy: AddressPolicy

    /// Nil when the request may go through the ordinary client (no policy, or an IP-literal
    /// host that is allowed, which the client connects to as is); otherwise the checked
    /// address to pin the host name to. Throws `addressRefused` when the host is or resolves
    /// to a refused address, with nothing sent.
    func destination(of urlString: String) async throws(HTTPTransportError) -> PinnedClients.Key? {
        if policy.allowsEverything { return nil }
        let redacted = AsyncHTTPTransport.redacted(urlString)
        // The host exactly as AsyncHTTPClient reads it (Foundation's URL, brackets trimmed),
        // so the pin below is looked up under the same name.
        guard let url = URL(string: urlString), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            var host = url.host, !host.isEmpty
        else {
            throw .network(url: redacted, reason: "only http and https URLs with a host can be requested")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let literal = IPAddress(host) {
            guard policy.permits(literal) else {
                throw .addressRefused(url: redacted, host: host, address: literal.description)
            }
            return nil
        }
        let addresses: [IPAddress]
        do { addresses = try await HostResolver.addresses(of: host) } catch let error as ResolutionError {
            throw .network(url: redacted, reason: "cannot resolve \(host): \(error.reason)")
        } catch {
            throw .cancelled
        }
        // Every address is checked and the connection is pinned to one that passed, so a name
        // listing a public and an internal address can only ever reach the public one.
        guard let first = addresses.first else { throw .network(url: redacted, reason: "\(host) has no address") }
        guard let address = addresses.first(where: policy.permits) else {
            throw .addressRefused(url: redacted, host: host, address: first.description)
        }
        return PinnedClients.Key(host: host, address: address)
    }
}
