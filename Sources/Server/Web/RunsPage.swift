import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// The runs page: the team's runs, newest first (`runs.mustache`), and one run with its status,
/// failure, output, the agent's graph coloured by the run, the redacted trace, and a Cancel
/// form (with CSRF) while it is queued or running (`run.mustache`). Another team's run is
/// "not found", like a missing one.
struct RunsPage {
    let root: Vault
    let queue: RunQueue
    /// Where the revision a run ran is read from, for its graph.
    let library: AgentLibrary

    /// Runs per page.
    static let pageSize = 50

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/runs") { request, context in
            let csrf = CSRF.token(context)
            let before = VaultPage.query(request)["before"].flatMap(SafeNumbers.finite)
            let runs = try await queue.runs(team: try context.requiredTeam(), limit: Self.pageSize, before: before)
            let next = runs.count == Self.pageSize ? runs.last.map { "/runs?before=\($0.createdAt)" } : nil
            let body = try Templates.render(
                "runs", ListView(runs: runs.map(Row.init), hasRuns: !runs.isEmpty, nextPath: next))
            return HTML.page(title: "Runs", body: body, viewer: .init(context, csrf: csrf))
        }
        router.get("/runs/:id") { request, context in
            let csrf = CSRF.token(context)
            let vault = try root.forTeam(of: context)
            let run = try await queue.run(context.parameters.get("id"), team: vault.team)
            let record = try vault.openResult(of: run).flatMap(RunRecord.init(bytes:))
            var view = RunView(run, record: record, csrf: csrf)
            view.graph = try await graph(of: run, record: record, vault: vault)
            return HTML.page(
                title: "Run \(run.id)", body: try Templates.render("run", view),
                viewer: .init(context, csrf: csrf), notice: VaultPage.query(request)["notice"])
        }
        router.post("/runs/:id/cancel") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            let run = try await queue.cancel(context.parameters.get("id"), team: try context.requiredTeam())
            let notice =
                run.status == .running ? "Cancel asked for; the run stops shortly." : "Run \(run.status.rawValue)."
            return HTML.redirect("/runs/\(run.id)?notice=" + PercentEncoding.encode(notice))
        }
    }

    /// The graph of the revision the run ran, coloured once it has a record (a queued run has
    /// none yet); nil when that revision is gone or no longer loads.
    func graph(of run: StoredRun, record: RunRecord?, vault: Vault) async throws -> String? {
        guard let stored = try? await library.revision(run.agent, version: String(run.agentVersion), team: vault.team),
            let agent = try? AgentLibrary.agent(from: stored)
        else { return nil }
        let outcome = record.map { record in
            GraphOutcomes.Run(trace: record.trace, succeeded: run.status == .succeeded || run.status == .running)
        }
        return try await AgentGraphSVG.html(of: agent, title: agent.name ?? run.agent, vault: vault, run: outcome)
    }

    static func time(_ seconds: Double?) -> String {
        guard let seconds else { return "" }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }

    static func statusClass(_ status: RunStatus) -> String {
        switch status {
        case .succeeded: return "ready"
        case .failed: return "error"
        case .queued, .running, .cancelled: return "pending"
        }
    }

    /// What `runs.mustache` shows.
    struct ListView {
        var runs: [Row]
        var hasRuns: Bool
        var nextPath: String?
    }

    /// One run in the list.
    struct Row {
        var id: String
        var agent: String
        var agentVersion: Int64
        var status: String
        var statusClass: String
        var startedBy: String
        var createdAt: String
        var finishedAt: String

        init(_ run: StoredRun) {
            id = run.id
            agent = run.agent
            agentVersion = run.agentVersion
            status = run.status.rawValue
            statusClass = RunsPage.statusClass(run.status)
            startedBy = run.startedBy
            createdAt = RunsPage.time(run.createdAt)
            finishedAt = RunsPage.time(run.finishedAt)
        }
    }

    /// What `run.mustache` shows.
    struct RunView {
        var id: String
        var agent: String
        var agentPath: String
        var agentVersion: Int64
        var status: String
        var statusClass: String
        var cancelRequested: Bool
        var startedBy: String
        var attempts: Int
        var createdAt: String
        var startedAt: String
        var finishedAt: String
        var cancellable: Bool
        var csrf: String
        var failureCode: String?
        var failure: String?
        var output: String?
        var trace: [AgentsPage.TraceRow]
        var hasTrace: Bool
        /// The agent's graph (`AgentGraphSVG`, escaped throughout), when its revision loads.
        var graph: String?

        init(_ run: StoredRun, record: RunRecord?, csrf: String) {
            id = run.id
            agent = run.agent
            agentPath = PercentEncoding.encode(run.agent)
            agentVersion = run.agentVersion
            status = run.status.rawValue
            statusClass = RunsPage.statusClass(run.status)
            cancelRequested = run.cancelRequested
            startedBy = run.startedBy
            attempts = run.attempts
            createdAt = RunsPage.time(run.createdAt)
            startedAt = RunsPage.time(run.startedAt)
            finishedAt = RunsPage.time(run.finishedAt)
            cancellable = !run.status.isFinished && !run.cancelRequested
            self.csrf = csrf
            failureCode = run.failure
            failure = run.failure.map { _ in record?.error ?? run.reason ?? "" }
            output = record?.output.map { JSONWriter.string($0, pretty: true) }
            trace = record?.trace.map(AgentsPage.TraceRow.init(json:)) ?? []
            hasTrace = !trace.isEmpty
        }
    }
}
