/// Vault failures, each saying what and where. None carries a secret.
public enum VaultError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The master key is missing, malformed, or not the one the vault was sealed with.
    case masterKey(String)
    /// No connection (or vault key) with that id in this team. Other teams' ids look the same.
    case notFound(String)
    /// The input for a kind is incomplete or wrong: every problem, each naming its field.
    case invalidInput([String])
    /// A connection's input is incomplete or wrong: every problem, each tied to its field.
    /// Each layer names the fields its own way (see `FieldProblem.sentence(naming:)`).
    case invalidConnection([FieldProblem])
    /// A sealed value or wrapped key failed authentication: altered, or copied from elsewhere.
    case sealedDataDoesNotOpen(String)
    /// Encryption itself failed.
    case crypto(String)
    /// The store failed (disk, locking, corruption).
    case storage(String)
    /// Someone else changed the connection first.
    case conflict(String)
    /// A name matched several things; the caller must say which.
    case ambiguous(Ambiguity)
    /// A model route's input is incomplete or wrong: every problem, each tied to its field
    /// (named by each layer its own way, see `ModelProblem.sentence(naming:)`).
    case invalidModel([ModelProblem])
    /// The connection was not removed: these model routes of its team send its credential.
    case connectionInUse(connection: String, models: [String])

    /// The error in words; a connection's fields are named by their catalog ids (`tokenURL`).
    public var message: String {
        switch self {
        case .masterKey(let reason): return reason
        case .notFound(let what): return "\(what) does not exist"
        case .invalidInput(let problems): return problems.joined(separator: "; ")
        case .invalidConnection(let problems):
            return FieldProblem.sentences(problems, naming: \.rawValue).joined(separator: "; ")
        case .sealedDataDoesNotOpen(let owner):
            return
                "the sealed data of \(owner) does not open: it was altered, copied from another connection, or sealed with another master key"
        case .crypto(let reason): return reason
        case .storage(let reason): return "vault storage: \(reason)"
        case .conflict(let what): return "\(what) was changed by someone else; try again"
        case .ambiguous(let ambiguity): return ambiguity.sentence(choose: ambiguity.plainChoice)
        case .invalidModel(let problems):
            return problems.map { $0.sentence(naming: \.rawValue) }.joined(separator: "; ")
        case .connectionInUse(let connection, let models):
            return
                "connection \(connection) is used by model\(models.count == 1 ? "" : "s") \(models.joined(separator: ", ")): "
                + "remove \(models.count == 1 ? "that model" : "those models") or route \(models.count == 1 ? "it" : "them") to another connection first"
        }
    }

    public var description: String { message }
}
