import Foundation

/// Reads `.smyth` files into `Agent`s. Structural problems are collected and reported
/// together, each with its JSON path, rather than stopping at the first.
public enum AgentLoader {
    /// Reads and parses a file.
    public static func load(path: String) throws(AgentLoadError) -> Agent {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AgentLoadError(source: path, problems: [.init(path: "", message: "the file cannot be read")])
        }
        return try parse(Array(data), source: path)
    }

    /// Parses file contents; `source` names the file in messages.
    public static func parse(_ bytes: [UInt8], source: String) throws(AgentLoadError) -> Agent {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw AgentLoadError(
                source: source, problems: [.init(path: "", message: "not valid JSON: \(error.description)")])
        }
        var problems: [AgentLoadError.Problem] = []
        guard var root = document.objectValue else {
            throw AgentLoadError(
                source: source,
                problems: [.init(path: "", message: "expected an agent object, found \(document.typeName)")])
        }
        var prefix = ""
        var isWrapped = false
        if root["components"] == nil, let inner = root["data"]?.objectValue {
            root = inner
            prefix = "data."
            isWrapped = true
        }
        guard let componentsValue = root["components"] else {
            throw AgentLoadError(
                source: source,
                problems: [.init(path: prefix + "components", message: "missing: an agent needs a components array")])
        }
        guard let componentValues = componentsValue.arrayValue else {
            throw AgentLoadError(
                source: source,
                problems: [
                    .init(path: prefix + "components", message: "expected an array, found \(componentsValue.typeName)")
                ])
        }
        var components: [Component] = []
        components.reserveCapacity(componentValues.count)
        let componentsPath = prefix + "components"
        for (position, value) in componentValues.enumerated() {
            guard let object = value.objectValue else {
                problems.append(
                    .init(
                        path: "\(prefix)components[\(position)]",
                        message: "expected a component object, found \(value.typeName)"))
                continue
            }
            var fields = FieldReader(object: object, list: componentsPath, position: position)
            let id = fields.requiredString("id")
            let type = fields.requiredString("name")
            let title = fields.optionalString("title") ?? ""
            let inputs = fields.ports("inputs")
            let outputs = fields.ports("outputs")
            let data = fields.optionalObject("data") ?? JSONObject()
            problems.append(
                contentsOf: fields.problems.map { problem in
                    var problem = problem
                    problem.componentID = id
                    problem.title = title.isEmpty ? nil : title
                    return problem
                })
            if let id, let type {
                components.append(
                    Component(
                        id: id, type: type, title: title, inputs: inputs, outputs: outputs, data: data,
                        position: position, canvas: CanvasPosition(component: object)))
            }
        }
        var links: [Link] = []
        let connectionValues: [JSONValue]
        switch root["connections"] {
        case nil, .null?: connectionValues = []
        case .array(let values)?: connectionValues = values
        case let other?:
            problems.append(.init(path: prefix + "connections", message: "expected an array, found \(other.typeName)"))
            connectionValues = []
        }
        links.reserveCapacity(connectionValues.count)
        let connectionsPath = prefix + "connections"
        for (position, value) in connectionValues.enumerated() {
            guard let object = value.objectValue else {
                problems.append(
                    .init(
                        path: "\(prefix)connections[\(position)]",
                        message: "expected a connection object, found \(value.typeName)"))
                continue
            }
            var fields = FieldReader(object: object, list: connectionsPath, position: position)
            let sourceID = fields.requiredString("sourceId")
            let source = fields.portReference("sourceIndex")
            let targetID = fields.requiredString("targetId")
            let target = fields.portReference("targetIndex")
            problems.append(contentsOf: fields.problems)
            if let sourceID, let source, let targetID, let target {
                links.append(
                    Link(sourceID: sourceID, source: source, targetID: targetID, target: target, position: position))
            }
        }
        var variables = JSONObject()
        switch root["variables"] {
        case nil, .null?: break
        case .object(let object)?: variables = object
        case let other?:
            problems.append(.init(path: prefix + "variables", message: "expected an object, found \(other.typeName)"))
        }
        if !problems.isEmpty { throw AgentLoadError(source: source, problems: problems) }
        return Agent(
            id: root["id"]?.stringValue, name: root["name"]?.stringValue, components: components, links: links,
            variables: variables, document: document, isWrapped: isWrapped, source: source)
    }
}

/// Reads typed fields of one JSON object, noting each problem with its path.
struct FieldReader {
    let object: JSONObject
    /// The object is `list[position]` (`components[3]`); the path is only spelled out for a problem.
    let list: String
    let position: Int
    var problems: [AgentLoadError.Problem] = []

    init(object: JSONObject, list: String, position: Int) {
        self.object = object
        self.list = list
        self.position = position
    }

    var path: String { "\(list)[\(position)]" }

    mutating func requiredString(_ key: String) -> String? {
        switch object[key] {
        case .string(let value)? where !value.isEmpty: return value
        case .string?: problems.append(.init(path: "\(path).\(key)", message: "must not be empty")); return nil
        // Numeric ids appear in hand-written files.
        case .number(let value)? where key == "id": return JSONWriter.number(value)
        case nil: problems.append(.init(path: "\(path).\(key)", message: "missing")); return nil
        case let other?:
            problems.append(.init(path: "\(path).\(key)", message: "expected a string, found \(other.typeName)"));
            return nil
        }
    }

    mutating func optionalString(_ key: String) -> String? {
        switch object[key] {
        case .string(let value)?: return value
        case nil, .null?: return nil
        case let other?:
            problems.append(.init(path: "\(path).\(key)", message: "expected a string, found \(other.typeName)"));
            return nil
        }
    }

    mutating func optionalObject(_ key: String) -> JSONObject? {
        switch object[key] {
        case .object(let value)?: return value
        case nil, .null?: return nil
        case let other?:
            problems.append(.init(path: "\(path).\(key)", message: "expected an object, found \(other.typeName)"));
            return nil
        }
    }

    mutating func portReference(_ key: String) -> PortReference? {
        switch object[key] {
        case .number(let value)? where value >= 0 && value == value.rounded() && value < 1e9: return .index(Int(value))
        case .string(let value)? where !value.isEmpty:
            if let index = Int(value), index >= 0 { return .index(index) }
            return .name(value)
        case nil: problems.append(.init(path: "\(path).\(key)", message: "missing")); return nil
        case let other?:
            problems.append(
                .init(path: "\(path).\(key)", message: "expected a port index or name, found \(other.typeName)"));
            return nil
        }
    }

    mutating func ports(_ key: String) -> [Port] {
        let values: [JSONValue]
        switch object[key] {
        case nil, .null?: return []
        case .array(let array)?: values = array
        case let other?:
            problems.append(.init(path: "\(path).\(key)", message: "expected an array, found \(other.typeName)"))
            return []
        }
        var ports: [Port] = []
        ports.reserveCapacity(values.count)
        for (position, value) in values.enumerated() {
            var portPath: String { "\(path).\(key)[\(position)]" }
            guard let port = value.objectValue else {
                problems.append(.init(path: portPath, message: "expected a port object, found \(value.typeName)"))
                continue
            }
            guard let name = port["name"]?.stringValue, !name.isEmpty else {
                problems.append(.init(path: "\(portPath).name", message: "missing or not a string"))
                continue
            }
            var index: Int?
            if let number = port["index"]?.numberValue, number >= 0, number == number.rounded(), number < 1e9 {
                index = Int(number)
            }
            ports.append(
                Port(
                    name: name, index: index ?? position, optional: port["optional"]?.boolValue ?? false,
                    isDefault: port["default"]?.boolValue ?? false, type: port["type"]?.stringValue,
                    defaultValue: port["defaultVal"].flatMap { $0.isNull ? nil : $0 },
                    description: port["description"]?.stringValue,
                    expression: port["expression"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }))
        }
        return ports
    }
}
