import ArgumentParser
import CellarBench
import CellarQuery
import CellarStore

/// `cellar bench`: benchmarks that print figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (print figures).",
        discussion: ExitStatus.help,
        subcommands: [FakeCellsBench.self, StoreBench.self])
}

/// `cellar bench fake-cells N --db DB`: fill a database with N synthetic cells, time queries.
struct FakeCellsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-cells",
        abstract: "Fill a database with N synthetic cells (no images), then time counts, a summary and a CSV export.",
        discussion: "An existing DB is reused as it is (no refill), so the query timings can be repeated." + "\n\n" + ExitStatus.help)

    @Argument(help: "Number of cells.")
    var cells: Int
    @Option(help: ArgumentHelp("Database to fill (must not exist) or reuse.", valueName: "DB"))
    var db: String
    @Flag(help: "Store synthetic masks too (bigger, slower fill).")
    var masks = false
    @Option(help: "Reader threads for the summary and the export (default: cores, at most 4).")
    var workers: Int?

    func run() async throws {
        guard cells >= 1 else { throw ValidationError("N must be at least 1") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        do {
            let result = try await QueryBenchmark.run(path: db, cells: cells, masks: masks,
                                                      workers: workers ?? Screen.defaultWorkers)
            print(result.description, terminator: "")
        } catch {
            reportError("\(error)")
            throw ExitCode(ExitStatus.code(for: error))
        }
    }
}

/// `cellar bench store`: insert rate and bytes per cell of the store writer.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Insert synthetic cells with masks through the store writer; print cells/s and bytes per cell.",
        discussion: "Without --db the database is a temporary file, deleted afterwards." + "\n\n" + ExitStatus.help)

    @Option(help: "Number of cells.")
    var cells = 1_000_000
    @Option(help: "Cells per field.")
    var cellsPerField = 250
    @Option(help: "Concurrent producer tasks.")
    var producers = 2
    @Option(help: ArgumentHelp("Database to create (must not exist); kept afterwards.", valueName: "DB"))
    var db: String?

    func run() async throws {
        guard cells >= 1, cellsPerField >= 1, producers >= 1 else {
            throw ValidationError("--cells, --cells-per-field and --producers must be at least 1")
        }
        do {
            let result = try await StoreBenchmark.run(path: db, cells: cells, cellsPerField: cellsPerField,
                                                      producers: producers)
            print(result.description, terminator: "")
        } catch {
            reportError("\(error)")
            throw ExitCode(ExitStatus.code(for: error))
        }
    }
}
