import OAuthCore
import TestSupport
import Testing

struct RequestURLTests {
    @Test(arguments: [
        ("http://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"),  // RFC 5849 3.4.1.2
        ("https://www.example.net:8080/?q=1", "https://www.example.net:8080/"),  // RFC 5849 3.4.1.2
        ("HTTPS://Api.X.com:443/2/users", "https://api.x.com/2/users"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?x=1", "https://example.com/"),
        ("https://user:pw@example.com/p#frag", "https://example.com/p"),
        ("http://[::1]:8080/p?q", "http://[::1]:8080/p"),
        ("https://example.com/p%C3%A4th", "https://example.com/p%C3%A4th"),
        ("https://example.com/päth with space", "https://example.com/p%C3%A4th%20with%20space"),
        ("https://example.com/a[1]", "https://example.com/a%5B1%5D"),
    ])
    func baseStringURI(url: String, expected: String) throws {
        #expect(try RequestURL(url).baseStringURI == expected)
    }

    @Test func queryIsKeptRawAndFragmentDropped() throws {
        let url = try RequestURL("https://example.com/a?b=%20c&d=e+f#top")
        #expect(url.query == "b=%20c&d=e+f")
        #expect(url.description == "https://example.com/a?b=%20c&d=e+f")
        #expect(url.origin == "https://example.com")
    }

    @Test(arguments: [
        "example.com/path", "ftp://example.com/", "https:///path", "https://example.com:99999/",
        "https://example.com:8a/", "http://[::1/",
    ])
    func invalidURLsSayWhy(url: String) {
        #expect(throws: InvalidURLError.self) { try RequestURL(url) }
        do { _ = try RequestURL(url) } catch { #expect(error.description.contains(url)) }
    }
}
