import OAuthCore
import Runtime

/// The OAuth section reader on any JSON object, as an APICall's `data` in a `.smyth` file.
enum OAuthSectionTarget {
    nonisolated(unsafe) static let catalog: ProviderCatalog? = try? ProviderCatalog.builtIn()

    static func run(_ bytes: [UInt8]) {
        guard let catalog, let data = (try? JSONParser.parse(bytes))?.objectValue else { return }
        let section = OAuthSection(data: data, catalog: catalog)
        switch section {
        case .vault(let id):
            require(
                !id.isEmpty && id == id.trimmingCharacters(in: .whitespaces), "a vault id that is empty or untrimmed")
        case .addNew(let kind, let name, _):
            require(
                catalog.kind(id: kind) != nil && !name.isEmpty, "an Add New section with an unknown kind or no name")
        case .legacy(let kind, _):
            require(catalog.kind(id: kind) != nil, "a legacy section with a kind the catalog does not have: \(kind)")
        default:
            break
        }
        require(OAuthSection(data: data, catalog: catalog) == section, "the section reader is not deterministic")
    }
}
