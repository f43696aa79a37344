import Foundation
import FoundationXML

/// An agent graph's `<svg>`, cut out of a page and parsed as XML: proof that it is well
/// formed (a name that broke out of its text would not be), and its elements to look at.
final class SVGElements: NSObject, XMLParserDelegate {
    /// One element: its name, attributes, the text directly inside it, and its parent's index.
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var parent: Int?

        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []

    /// The first `<svg>…</svg>` of `html`, parsed; nil when there is none or it is not well-formed XML.
    static func parse(page html: String) -> SVGElements? {
        guard let start = html.range(of: "<svg"),
            let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex)
        else { return nil }
        let parser = XMLParser(data: Data(html[start.lowerBound..<end.upperBound].utf8))
        let elements = SVGElements()
        parser.delegate = elements
        return parser.parse() ? elements : nil
    }

    /// The root `<svg>`'s attributes.
    var root: [String: String] { elements.first?.attributes ?? [:] }

    /// The elements that have `cssClass` among their classes.
    func all(_ cssClass: String) -> [(index: Int, element: Element)] {
        elements.enumerated().filter { $0.element.classes.contains(cssClass) }.map { ($0.offset, $0.element) }
    }

    /// The component nodes by component id: the group's classes, its box, its texts by class and its title.
    func nodes() -> [String: (classes: [String], box: [String: String], texts: [String: [String]], title: String)] {
        var nodes: [String: (classes: [String], box: [String: String], texts: [String: [String]], title: String)] = [:]
        for (index, node) in all("node") {
            let children = elements.filter { isInside($0, index) }
            var texts: [String: [String]] = [:]
            for child in children where child.name == "text" {
                for cssClass in child.classes { texts[cssClass, default: []].append(child.text) }
            }
            nodes[node.attributes["data-component"] ?? ""] = (
                node.classes, children.first { $0.name == "rect" }?.attributes ?? [:], texts,
                children.first { $0.name == "title" }?.text ?? ""
            )
        }
        return nodes
    }

    private func isInside(_ element: Element, _ ancestor: Int) -> Bool {
        var parent = element.parent
        while let current = parent {
            if current == ancestor { return true }
            parent = elements[current].parent
        }
        return false
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(Element(name: elementName, attributes: attributeDict, parent: open.last))
        open.append(elements.count - 1)
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}
