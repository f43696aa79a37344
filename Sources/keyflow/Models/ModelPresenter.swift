import Foundation
import Vault

/// How the CLI shows model routes: a table, a block of details, JSON.
enum ModelPresenter {
    static func table(_ models: [ModelRoute]) -> String {
        Output.table(
            ["NAME", "PROVIDER", "BASE URL", "CONNECTION", "SENT AS"],
            models.map { [$0.name, $0.provider.rawValue, $0.baseURL, $0.connection ?? "-", $0.modelSentToProvider] })
    }

    /// One route, a field a line, as `models add` prints what it saved.
    static func details(_ route: ModelRoute, connectionName: String?) -> String {
        let connection =
            route.connection.map { id in connectionName.map { "\(id) (\($0))" } ?? id } ?? "none (no key is sent)"
        return Output.table(
            ["  Provider", route.provider.rawValue],
            [
                ["  Base URL", route.baseURL], ["  Connection", connection],
                ["  Sent as", route.modelSentToProvider],
            ])
    }

    /// The name of the route's connection, nil when it has none.
    static func connectionName(_ route: ModelRoute, in vault: Vault) async throws -> String? {
        guard let id = route.connection else { return nil }
        return try? await vault.connection(id).name
    }

    static func json(_ route: ModelRoute) -> JSONOutput {
        .object([
            ("name", .string(route.name)),
            ("provider", .string(route.provider.rawValue)),
            ("base_url", .string(route.baseURL)),
            ("connection", route.connection.map(JSONOutput.string) ?? .null),
            ("upstream_model", route.upstreamModel.map(JSONOutput.string) ?? .null),
            ("model_sent_to_provider", .string(route.modelSentToProvider)),
            ("created_at", .string(Output.date(route.createdAt))),
            ("updated_at", .string(Output.date(route.updatedAt))),
        ])
    }
}
