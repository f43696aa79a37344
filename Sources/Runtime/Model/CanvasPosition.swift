/// Where SmythOS Studio drew a component: its `left` and `top` on the canvas, in pixels.
/// Studio writes them as strings (`"757.813px"`, `"-189px"`); hand-written files may use
/// numbers. They only place the component in a drawing, so a value that is missing or
/// unreadable is no error: the component simply has no position.
public struct CanvasPosition: Sendable, Equatable {
    /// The farthest from the origin a coordinate is kept. A canvas this wide is no real
    /// agent; the bound keeps every coordinate safely convertible to `Int` (1e308 would trap).
    public static let limit = 100_000.0

    /// Pixels from the canvas's left edge; negative when Studio scrolled left of it.
    public var left: Double
    /// Pixels from the canvas's top edge; negative when Studio scrolled above it.
    public var top: Double

    /// A position, each coordinate clamped into ±`limit` (NaN becomes 0).
    public init(left: Double, top: Double) {
        self.left = Self.clamped(left)
        self.top = Self.clamped(top)
    }

    /// The position in a component object's `left` and `top`, or nil unless both read as
    /// finite numbers (`12`, `"12.5"`, `"12px"`).
    public init?(component object: JSONObject) {
        guard let left = Self.coordinate(object["left"]), let top = Self.coordinate(object["top"]) else { return nil }
        self.init(left: left, top: top)
    }

    /// A coordinate as Studio or a person wrote it, or nil for anything else (`"auto"`, `""`, `{}`).
    static func coordinate(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let number)?: return number.isFinite ? number : nil
        case .string(var text)?:
            if text.hasSuffix("px") { text.removeLast(2) }
            return SafeNumbers.finite(text)
        default: return nil
        }
    }

    static func clamped(_ value: Double) -> Double {
        guard !value.isNaN else { return 0 }
        return min(max(value, -limit), limit)
    }
}
