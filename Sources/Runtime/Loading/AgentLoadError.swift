import Foundation

/// A file that is not a usable agent, with every problem found.
public struct AgentLoadError: Error, Sendable, CustomStringConvertible {
    /// One problem, with where it is.
    public struct Problem: Sendable, Equatable {
        /// The JSON path of the field (`components[3].inputs[0].name`).
        public var path: String
        /// What is wrong.
        public var message: String
        /// The id of the component it is in, if any.
        public var componentID: String?
        /// The title of that component, if any.
        public var title: String?

        /// A problem at `path`, in a component when it has an id.
        public init(path: String, message: String, componentID: String? = nil, title: String? = nil) {
            self.path = path
            self.message = message
            self.componentID = componentID
            self.title = title
        }
    }

    /// Where the agent was read from.
    public let source: String
    /// Every problem found.
    public let problems: [Problem]

    public var description: String {
        problems.map { problem in
            let name = [problem.componentID, problem.title.map { "“\($0)”" }].compactMap { $0 }.joined(separator: " ")
            let component = name.isEmpty ? "" : " (\(name))"
            return "\(source)\(problem.path.isEmpty ? "" : ": " + problem.path)\(component): \(problem.message)"
        }.joined(separator: "\n")
    }
}
