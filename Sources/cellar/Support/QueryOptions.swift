import ArgumentParser
import CellarQuery
import CellarStore

/// `--db`: the screen database(s) every query command reads.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Screen database (SQLite). Repeat it, or give a folder (every *.db inside), to query several databases as if merged (e.g. one per plate, or shards).",
        valueName: "DB"))
    var db: [String] = []

    /// Opens the database read-only (works while `cellar watch` writes it); several databases
    /// are merged into a temporary one, copying only what `scope` says the query reads.
    func open(scope: MergeScope = .everything) throws(QueryError) -> Screen {
        let paths: [String]
        do { paths = try DatabaseList.expand(db) } catch { throw .invalidArgument("\(error)") }
        return try Screen.open(paths: paths, scope: scope)
    }
}

/// `--format table|csv|tsv|json` for tabular results.
struct FormatOptions: ParsableArguments {
    @Option(help: "Output format: table, csv, tsv or json.")
    var format: OutputFormat = .table
}

/// `--plate` and `--wells` selecting fields.
struct SelectionOptions: ParsableArguments {
    @Option(help: "Only this plate.")
    var plate: String?

    @Option(help: ArgumentHelp("Only these wells, comma-separated.", valueName: "B03,B04"))
    var wells: String?

    var filter: FieldFilter {
        FieldFilter(plate: plate, wells: (wells ?? "").split(separator: ",").map { String($0) })
    }
}

/// Runs a library call; a `QueryError` is printed on standard error and becomes exit status 2
/// (unknown plate, well, feature, query, parameter) or 1 (anything else).
func reportingErrors<T>(_ body: () throws(QueryError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        reportError("\(error)")
        throw ExitCode(error.isLookupFailure ? 2 : 1)
    }
}

extension OutputValue {
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .real(nil)
        case .integer(let i): self = .int(Int(i))
        case .real(let d): self = .real(d)
        case .text(let s): self = .text(s)
        case .blob(let n): self = .text("<blob \(n) bytes>")
        }
    }
}
