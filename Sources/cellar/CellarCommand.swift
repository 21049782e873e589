import ArgumentParser

@main
struct CellarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellar",
        abstract: "Plate-screening database and indexer for high-content microscopy.",
        subcommands: [
            InitCommand.self, IngestCommand.self, WatchCommand.self, StatusCommand.self,
            CountsCommand.self, SummaryCommand.self, ExportCommand.self, QueryCommand.self,
            HeatmapCommand.self, MasksCommand.self, ServeCommand.self,
            SegmentCommand.self, EvaluateCommand.self, SynthCommand.self, BenchCommand.self,
        ])
}
