import ArgumentParser
import CellarQuery
import Foundation

/// How a command prints its result: a human table, or CSV/TSV/JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, csv, tsv, json
}

/// One value in an output table.
enum OutputValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case real(Double?)

    /// Full precision, for CSV and TSV.
    var plain: String {
        switch self {
        case .text(let s): s
        case .int(let i): String(i)
        case .real(let d?) where d.isFinite: NumberFormat.string(d)
        case .real: ""
        }
    }

    /// Rounded for people (4 significant digits), for tables.
    var human: String {
        if case .real(let d?) = self, d.isFinite { return NumberFormat.human(d) }
        return plain
    }

    var json: String {
        switch self {
        case .text(let s): jsonString(s)
        case .int(let i): String(i)
        case .real(let d?) where d.isFinite: NumberFormat.string(d)
        case .real: "null"
        }
    }
}


func jsonString(_ s: String) -> String { JSONText.quote(s) }

/// Rows with named columns, printed in any ``OutputFormat``.
struct OutputTable: Sendable {
    var columns: [String]
    var rows: [[OutputValue]] = []

    /// The whole table as text (ends with a newline).
    func render(_ format: OutputFormat) -> String {
        switch format {
        case .csv: return delimited(",")
        case .tsv: return delimited("\t")
        case .json:
            let objects = rows.map { row in
                "{" + zip(columns, row).map { "\(jsonString($0)): \($1.json)" }.joined(separator: ", ") + "}"
            }
            return "[\n" + objects.map { "  " + $0 }.joined(separator: ",\n") + "\n]\n"
        case .table:
            let cells = rows.map { $0.map(\.human) }
            let widths = columns.indices.map { c in max(columns[c].count, cells.map { $0[c].count }.max() ?? 0) }
            let numeric = columns.indices.map { c in rows.allSatisfy { if case .text = $0[c] { false } else { true } } }
            func line(_ values: [String]) -> String {
                values.indices.map { c in
                    let pad = String(repeating: " ", count: widths[c] - values[c].count)
                    return numeric[c] ? pad + values[c] : values[c] + pad
                }.joined(separator: "  ").replacing(/\s+$/, with: "")
            }
            var out = line(columns) + "\n"
            out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            for row in cells { out += line(row) + "\n" }
            return out
        }
    }

    private func delimited(_ separator: Character) -> String {
        func field(_ s: String) -> String { DelimitedText.field(s, separator: separator) }
        var out = columns.map(field).joined(separator: String(separator)) + "\n"
        for row in rows { out += row.map { field($0.plain) }.joined(separator: String(separator)) + "\n" }
        return out
    }
}

/// Writes to standard error (progress, warnings), never mixed into results.
/// Prints an error the one way every command does: `cellar: error: …` on standard error.
func reportError(_ message: String) {
    printError("cellar: error: " + message)
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
