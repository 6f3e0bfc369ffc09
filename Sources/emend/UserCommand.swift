import ArgumentParser
import EmendStore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; prints a new API token on the last line (shown once, stored only as a hash).")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "contributor, curator, admin or auditor.") var role: String
        @Option(help: "INSTITUTION or INSTITUTION:COLLECTION a curator decides on; repeat for several.") var scope: [String] = []

        func run() throws {
            guard let role = Role(rawValue: role) else {
                throw fail("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(role)\"")
            }
            do {
                let (user, token) = try database.open().addUser(name: name, role: role, scopes: scope)
                print("Added \(user.role.rawValue) \(user.name) (\(user.id)). API token:")
                print(token)
            } catch let error as StoreError {
                throw fail("\(error)")
            }
        }
    }
}
