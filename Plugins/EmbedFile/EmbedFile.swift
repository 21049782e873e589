import Foundation
import PackagePlugin

/// Build-tool plugin: embeds binary files into the target as base64 string constants, so an
/// installed binary needs no source tree (the U-Net model of `CellarUNet`).
///
/// The target lists what to embed in a file `EmbedFile.txt` in its source directory
/// (excluded from the target's sources in Package.swift), one line per file:
///
///     # <Swift constant name> <file relative to the package root>
///     unetModel Models/cellar-unet.safetensors
///
/// The plugin generates, in `EmbeddedFiles.swift`, `enum EmbeddedFiles` with
/// `static let <name>: String` (the file's bytes, base64) and `<name>Name` (its file name).
/// A base64 string literal compiles in about a second for a megabyte, where an array
/// literal of the same bytes would take the type checker minutes.
@main
struct EmbedFile: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let configURL = target.directoryURL.appending(path: "EmbedFile.txt")
        guard let config = try? String(contentsOf: configURL, encoding: .utf8) else { return [] }
        let packageRoot = context.package.directoryURL
        var arguments: [String] = []
        var inputs: [URL] = [configURL]
        for rawLine in config.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard parts.count == 2 else {
                throw EmbedFileError("EmbedFile.txt: expected '<name> <file>', got '\(line)'")
            }
            let file = packageRoot.appending(path: parts[1])
            arguments += [parts[0], file.path(percentEncoded: false)]
            inputs.append(file)
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding files into \(target.name)",
                executable: try context.tool(named: "EmbedFileTool").url,
                arguments: [output.path(percentEncoded: false)] + arguments,
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }
}

struct EmbedFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
