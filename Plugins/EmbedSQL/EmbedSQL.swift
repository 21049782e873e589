import Foundation
import PackagePlugin

/// Build-tool plugin: embeds directories of `.sql` files into the target as Swift constants,
/// so an installed binary needs no source tree.
///
/// The target lists what to embed in a file `EmbedSQL.txt` in its source directory
/// (excluded from the target's sources in Package.swift), one line per directory:
///
///     # <Swift constant name> <directory relative to the package root>
///     migrations schema
///
/// For each line the plugin generates, in `EmbeddedSQL.swift`,
/// `enum EmbeddedSQL { static let migrations: [(name: String, sql: String)] }` holding every
/// `*.sql` file of the directory sorted by file name (name = file name without `.sql`,
/// sql = the file's exact text). A missing directory yields an empty array.
@main
struct EmbedSQL: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let configURL = target.directoryURL.appending(path: "EmbedSQL.txt")
        guard let config = try? String(contentsOf: configURL, encoding: .utf8) else { return [] }
        let packageRoot = context.package.directoryURL
        var arguments: [String] = []
        var inputs: [URL] = [configURL]
        for rawLine in config.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard parts.count == 2 else {
                throw EmbedSQLError("EmbedSQL.txt: expected '<name> <directory>', got '\(line)'")
            }
            let directory = packageRoot.appending(path: parts[1])
            arguments += [parts[0], directory.path(percentEncoded: false)]
            let files = (try? FileManager.default.contentsOfDirectory(
                at: directory, includingPropertiesForKeys: nil)) ?? []
            inputs += files.filter { $0.pathExtension == "sql" }
            inputs.append(directory)
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [
            .buildCommand(
                displayName: "Embedding SQL files into \(target.name)",
                executable: try context.tool(named: "EmbedSQLTool").url,
                arguments: [output.path(percentEncoded: false)] + arguments,
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }
}

struct EmbedSQLError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
