import ArgumentParser
import CellarStore
import Foundation

/// `cellar init DB`: creates a screen database (or brings an existing one up to date).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a screen database (or migrate an existing one) and say which file it is.",
        discussion: ExitStatus.help)

    @Argument(help: ArgumentHelp("Database file to create.", valueName: "DB"))
    var db: String

    func run() throws {
        let existed = FileManager.default.fileExists(atPath: db)
        let path = URL(fileURLWithPath: db).standardizedFileURL.path
        let store = try Store.create(at: db)
        try store.close()
        let schema = Schema.migrationNames.last ?? "?"
        print(existed ? "database \(path) is up to date (schema \(schema))"
                      : "created database \(path) (schema \(schema))")
    }
}
