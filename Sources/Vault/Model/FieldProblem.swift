/// One thing wrong with a connection's input, tied to the field it is about. The Vault says
/// what is wrong; each layer says which field in its own words (a CLI flag, a JSON path, a
/// form label) through the `naming` function of `sentence(naming:)`.
public struct FieldProblem: Sendable, Equatable {
    /// The field the problem is about.
    public var field: ConnectionField
    /// What is wrong with it.
    public var reason: Reason

    /// A problem with `field`.
    public init(_ field: ConnectionField, _ reason: Reason) {
        self.field = field
        self.reason = reason
    }

    /// What is wrong with a field; the values carry no secret.
    public enum Reason: Sendable, Equatable {
        /// The value must not be empty.
        case empty
        /// No kind with this id; `known` are the catalog's kinds.
        case unknownKind(String, known: [String])
        /// The kind (display name and id) does not take this field; `accepted` are the fields it takes.
        case notApplicable(kind: String, kindID: String, accepted: [ConnectionField])
        /// The kind (display name and id) needs this field and it has no value.
        case required(kind: String, kindID: String)
        /// The URL does not parse, for this reason.
        case invalidURL(String)
        /// The value is not one of these.
        case notOneOf([String])
        /// An allowed-hosts entry that is not an origin a credential can be bound to, and why.
        case invalidAllowedHost(entry: String, problem: String)
        /// The kind (display name) does not support PKCE.
        case pkceUnsupported(kind: String)
        /// The PEM does not hold a usable RSA private key, for this reason.
        case invalidPrivateKey(String)
        /// Another setting (a signature method, a grant) needs this field.
        case neededBy(String)
        /// An endpoint (its label) moved to another origin: the stored secret (its label, in
        /// lower case) must be typed again in the same edit.
        case retypeSecret(secret: String, endpoint: String, origin: String)
        /// The allowed hosts now include a new origin: the stored secret (its label, in lower
        /// case) must be typed again in the same edit before it may go there.
        case retypeForNewOrigin(secret: String, origin: String)
        /// The value is not acceptable, for the reason given.
        case invalidValue(String)
        /// The field cannot be set together with another one (a catalog id).
        case conflictsWith(String)

        /// A stable machine-readable code (`invalid_url`, `required`, ...), for API clients.
        public var code: String {
            switch self {
            case .empty: return "empty"
            case .unknownKind: return "unknown_kind"
            case .notApplicable: return "not_applicable"
            case .required: return "required"
            case .invalidURL: return "invalid_url"
            case .notOneOf: return "not_one_of"
            case .invalidAllowedHost: return "invalid_allowed_host"
            case .pkceUnsupported: return "pkce_unsupported"
            case .invalidPrivateKey: return "invalid_private_key"
            case .neededBy: return "needed_by"
            case .retypeSecret, .retypeForNewOrigin: return "retype_secret"
            case .invalidValue: return "invalid_value"
            case .conflictsWith: return "conflicts"
            }
        }
    }

    /// The problem in words, the field (and any field the reason names) called by `naming`.
    public func sentence(naming name: (ConnectionField) -> String) -> String {
        let subject = name(field)
        switch reason {
        case .empty: return "\(subject): must not be empty"
        case .unknownKind(let given, let known):
            return "unknown kind \"\(given)\"; the kinds are: \(known.joined(separator: ", "))"
        case .notApplicable(let kind, let kindID, let accepted):
            return
                "\(subject) does not apply to \(kind) (\(kindID)); it takes: \(accepted.map(name).joined(separator: ", "))"
        case .required(let kind, let kindID): return "\(kind) (\(kindID)) needs \(subject)"
        case .invalidURL(let why): return "\(subject): \(why)"
        case .notOneOf(let values): return "\(subject): must be one of \(values.joined(separator: ", "))"
        case .invalidAllowedHost(let entry, let problem): return "\(subject) \(entry): \(problem)"
        case .pkceUnsupported(let kind): return "\(subject): \(kind) does not support PKCE"
        case .invalidPrivateKey(let why): return "\(subject): \(why)"
        case .neededBy(let what): return "\(what) needs \(subject)"
        case .retypeSecret(let secret, let endpoint, let origin):
            return
                "\(subject): enter the \(secret) again in the same edit: the \(endpoint) now points to another origin (\(origin))"
        case .retypeForNewOrigin(let secret, let origin):
            return "\(subject): enter the \(secret) again in the same edit: the allowed hosts now include \(origin)"
        case .invalidValue(let why): return "\(subject): \(why)"
        case .conflictsWith(let other):
            return "\(subject) cannot be set together with \(name(ConnectionField(rawValue: other)))"
        }
    }

    /// All problems in words, for a message that lists them: the fields a kind does not take
    /// and those it needs are each named in one sentence (`X (x) needs a, b`).
    public static func sentences(_ problems: [FieldProblem], naming name: (ConnectionField) -> String) -> [String] {
        var sentences: [String] = []
        var done = Set<Int>()
        for (index, problem) in problems.enumerated() where !done.contains(index) {
            let group = problems.indices.filter { !done.contains($0) && problems[$0].sameGroup(as: problem) }
            done.formUnion(group)
            let fields = group.map { name(problems[$0].field) }
            switch problem.reason {
            case .notApplicable(let kind, let kindID, let accepted) where group.count > 1:
                sentences.append(
                    "\(fields.joined(separator: ", ")) do not apply to \(kind) (\(kindID)); "
                        + "it takes: \(accepted.map(name).joined(separator: ", "))")
            case .required(let kind, let kindID) where group.count > 1:
                sentences.append("\(kind) (\(kindID)) needs \(fields.joined(separator: ", "))")
            default:
                sentences.append(problem.sentence(naming: name))
            }
        }
        return sentences
    }

    /// Whether the two problems read as one sentence (same reason, other fields).
    private func sameGroup(as other: FieldProblem) -> Bool {
        switch (reason, other.reason) {
        case (.notApplicable, .notApplicable), (.required, .required): return reason == other.reason
        default: return self == other
        }
    }
}
