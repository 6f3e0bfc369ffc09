import ArgumentParser
import EmendServer
import EmendStore
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the web site and the API.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080

    func run() async throws {
        let store = try database.open()
        let app = try await buildApplication(store: store, configuration: ServerConfiguration(host: host, port: port))
        try await app.runService()
    }
}
