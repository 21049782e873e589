import ArgumentParser
import Foundation
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
        // Folders become their *.db files; a file is passed on as given, so that a missing or
        // broken database gets the store's own error (and exit status).
        var paths: [String] = []
        for path in db {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                do { paths += try DatabaseList.expand([path]) } catch { throw .invalidArgument("\(error)") }
            } else {
                paths.append(path)
            }
        }
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

/// Runs a library call; a `QueryError` ends the command with its message and the status
/// ``ExitStatus`` gives it (2 lookup, 3 database, 1 otherwise).
func reportingErrors<T>(_ body: () throws(QueryError) -> T) throws -> T {
    try body()
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
