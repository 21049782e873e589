import ArgumentParser

@main
struct CellarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cellar",
        abstract: "Plate-screening database and indexer for high-content microscopy.",
        subcommands: [IngestCommand.self, WatchCommand.self, StatusCommand.self, SegmentCommand.self, EvaluateCommand.self, SynthCommand.self])
}
