/// An error the user can fix (a bad file, a bad value): printed as `Error: ...`, exit code 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
