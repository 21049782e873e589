import ArgumentParser
import Foundation

@main
struct CellarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellar",
        abstract: "Plate-screening database and indexer for high-content microscopy.",
        discussion: ExitStatus.help,
        version: CellarVersion.current,
        subcommands: [
            InitCommand.self, IngestCommand.self, WatchCommand.self, StatusCommand.self,
            CountsCommand.self, SummaryCommand.self, ExportCommand.self, QueryCommand.self,
            HeatmapCommand.self, MasksCommand.self, MergeCommand.self, ServeCommand.self,
            SegmentCommand.self, EvaluateCommand.self, SynthCommand.self, BenchCommand.self,
        ])

    /// Runs the command; every error, from parsing or from the command, is printed the same
    /// way (`cellar: error: …` on standard error) with the exit status its type carries.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors and clean exits keep the parser's status; other errors follow ExitStatus.
            let parser = exitCode(for: error)
            let code = parser == .failure ? ExitCode(ExitStatus.code(for: error)) : parser
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            if code == .success {
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                reportError(message)
            }
            Foundation.exit(code.rawValue)
        }
    }
}
