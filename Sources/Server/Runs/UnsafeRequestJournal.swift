import Foundation
import OAuthCore
import Vault

/// Stands between a queued run's APICalls and the network, and records in the run's row, before
/// it goes out, the first request that is neither GET nor HEAD: if the worker dies afterwards,
/// the run is failed rather than started again by another worker, because that request (an X
/// post, a payment) may already have taken effect. When the record cannot be written (the
/// claim was lost, the store is down), the request is not sent.
struct UnsafeRequestJournal: HTTPTransport {
    let base: any HTTPTransport
    let store: any RunStore
    let runID: String
    let claim: String

    func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        let method = request.method.uppercased()
        if method != "GET" && method != "HEAD" {
            // Origin and path only: the query may carry values the trace does not show either.
            let target = (try? request.requestURL().baseStringURI) ?? "(an unparsable URL)"
            let held: Bool
            do {
                held = try await store.recordUnsafeRequest(runID: runID, claim: claim, request: method + " " + target)
            } catch {
                throw NotSent(request: method + " " + target, reason: "the run could not record it first (\(error))")
            }
            guard held else {
                throw NotSent(
                    request: method + " " + target, reason: "this worker no longer holds the run (its lease ran out)")
            }
        }
        return try await base.send(request, timeout: timeout)
    }
}

/// A request the journal held back, and why.
struct NotSent: Error, CustomStringConvertible {
    let request: String
    let reason: String

    var description: String { "\(request) was not sent: \(reason)" }
}
