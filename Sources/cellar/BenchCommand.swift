import ArgumentParser
import CellarQuery

/// `cellar bench`: benchmarks that print figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (print figures).",
        subcommands: [FakeCellsBench.self])
}

/// `cellar bench fake-cells N --db DB`: fill a database with N synthetic cells, time queries.
struct FakeCellsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-cells",
        abstract: "Fill a database with N synthetic cells (no images), then time counts, a summary and a CSV export.",
        discussion: "An existing DB is reused as it is (no refill), so the query timings can be repeated.")

    @Argument(help: "Number of cells.")
    var cells: Int
    @Option(help: ArgumentHelp("Database to fill (must not exist) or reuse.", valueName: "DB"))
    var db: String
    @Flag(help: "Store synthetic masks too (bigger, slower fill).")
    var masks = false

    func run() async throws {
        guard cells >= 1 else { throw ValidationError("N must be at least 1") }
        do {
            let result = try await QueryBenchmark.run(path: db, cells: cells, masks: masks)
            print(result.description, terminator: "")
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
