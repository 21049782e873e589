import ArgumentParser

@main
struct CellarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellar",
        abstract: "Plate-screening database and indexer for high-content microscopy.",
        subcommands: [
            SynthCommand.self, InitCommand.self, CountsCommand.self, SummaryCommand.self, ExportCommand.self,
            QueryCommand.self, HeatmapCommand.self, MasksCommand.self, BenchCommand.self,
        ])
}
