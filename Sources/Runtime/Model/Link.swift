/// A connection: an output of one component feeding an input of another.
public struct Link: Sendable, Equatable {
    /// The id of the component the value comes from.
    public var sourceID: String
    /// The output of the source component.
    public var source: PortReference
    /// The id of the component the value goes to.
    public var targetID: String
    /// The input of the target component.
    public var target: PortReference
    /// Its position in `connections`, for JSON paths in messages.
    public var position: Int
    /// `connections[2]`.
    public var jsonPath: String { "connections[\(position)]" }

    /// A connection from an output of `sourceID` to an input of `targetID`.
    public init(sourceID: String, source: PortReference, targetID: String, target: PortReference, position: Int) {
        self.sourceID = sourceID
        self.source = source
        self.targetID = targetID
        self.target = target
        self.position = position
    }
}
