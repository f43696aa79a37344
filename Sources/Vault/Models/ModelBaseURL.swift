import Foundation
import OAuthCore

/// The rules for a model route's base URL, which every request of the route (with its
/// credential) goes to. `https://` to a public host; `http://` only to a loopback host (a model
/// on this machine, such as Ollama, which the user names explicitly); never a private,
/// link-local or otherwise internal address, whatever the scheme. No user info, query or
/// fragment: the client appends paths (`/chat/completions`) to it.
///
/// Host names are not resolved here (the answer may change); a name that resolves to an
/// internal address is refused when `keyflow serve` connects (`AddressPolicy.publicOnly`).
public enum ModelBaseURL {
    /// The URL normalized (lower-case scheme and host, no default port, no trailing slash),
    /// or why it is refused.
    public static func normalized(_ text: String) -> Result<String, ModelProblem> {
        func refuse(_ reason: String) -> Result<String, ModelProblem> { .failure(ModelProblem(.baseURL, reason)) }
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return refuse("must not be empty") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) else {
            return refuse("must not contain spaces or control characters")
        }
        let url: RequestURL
        do { url = try RequestURL(text) } catch { return refuse(error.reason) }
        // RequestURL drops user info (it is never sent); a base URL that has some is a mistake.
        let authority = text.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first
        if authority?.contains("@") == true {
            return refuse("must not contain a user name or password (put the key in the connection)")
        }
        if text.contains("?") { return refuse("must not have a query (?…)") }
        if text.contains("#") { return refuse("must not have a fragment (#…)") }
        if url.port == 0 { return refuse("the port must be a number from 1 to 65535") }
        if let problem = hostProblem(url) { return refuse(problem) }
        var path = url.path
        while path.hasSuffix("/") { path.removeLast() }
        return .success(url.origin + path)
    }

    /// Why the URL's host (with its scheme) is refused, or nil.
    static func hostProblem(_ url: RequestURL) -> String? {
        let host = url.host
        guard !host.contains("*"), HostPattern.isValid(host) else {
            return "\(host) is not a host name or IP address"
        }
        let address = IPAddress(host)
        // `127.1`, `2130706433` or `0x7f.1` are names here but an address to many resolvers.
        if address == nil, let last = host.split(separator: ".").last,
            last.allSatisfy(\.isNumber) || last.lowercased().hasPrefix("0x")
        {
            return "\(host) is not a host name or a dotted-quad IPv4 address"
        }
        if isLoopback(host: host, address: address) { return nil }
        if url.scheme == "http" {
            return
                "http:// is allowed only for a loopback host (127.0.0.1, localhost, [::1]), a model on this machine; use https://"
        }
        if let address {
            let checked = address.embeddedIPv4 ?? address
            if AddressPolicy.internalNetworks.contains(where: { $0.contains(checked) }) {
                return
                    "\(host) is an internal address (private, link-local or reserved); a model must be on a public host, or on loopback"
            }
        }
        return nil
    }

    /// `localhost`, 127.0.0.0/8 and ::1 (also written as an IPv4-mapped address).
    static func isLoopback(host: String, address: IPAddress?) -> Bool {
        if host == "localhost" { return true }
        guard let address else { return false }
        let checked = address.embeddedIPv4 ?? address
        return loopbackNetworks.contains { $0.contains(checked) }
    }

    private static let loopbackNetworks: [CIDR] = ["127.0.0.0/8", "::1/128"].compactMap { try? CIDR($0) }
}
