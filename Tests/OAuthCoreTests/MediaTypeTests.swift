import OAuthCore
import Testing

/// `HTTPTransportResponse.mediaType` and `header(_:)`, rewritten without Foundation for the
/// request path: parameters, spaces and tabs, case, and text that is not ASCII.
struct MediaTypeTests {
    static func type(_ value: String?, name: String = "Content-Type") -> String? {
        HTTPTransportResponse(status: 200, headers: value.map { [(name, $0)] } ?? []).mediaType
    }

    @Test func parametersSpacesAndCaseAreDropped() {
        #expect(Self.type("application/json") == "application/json")
        #expect(Self.type(" \tApplication/JSON ; charset=utf-8") == "application/json")
        #expect(Self.type("text/plain;charset=utf-8", name: "content-TYPE") == "text/plain")
    }

    @Test func emptyAndMissingValuesAreTold() {
        #expect(Self.type(nil) == nil)
        #expect(Self.type("") == "")
        #expect(Self.type(" \t ") == "")
        #expect(Self.type(";charset=utf-8") == "")
    }

    @Test func textThatIsNotASCIIIsKeptWhole() {
        #expect(Self.type(" TËXT/plain ; q=1") == "tëxt/plain")
        #expect(Self.type("é") == "é")
        #expect(Self.type("application/json", name: "Cöntent-Type") == nil)
    }

    @Test func theFirstOfRepeatedHeadersCounts() {
        let response = HTTPTransportResponse(
            status: 200, headers: [("X-Other", "a"), ("content-type", "image/png"), ("Content-Type", "text/html")])
        #expect(response.mediaType == "image/png")
        #expect(response.header("X-OTHER") == "a")
    }
}
