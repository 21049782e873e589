import CellarStore
import Foundation
import GRDB

/// Everything a query can refuse, each saying what was wrong and what would work.
///
/// `isLookupFailure` marks errors about names the user typed (plate, well, field, feature,
/// query, parameter): the CLI exits with status 2 for those, 1 for the rest.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Opening or reading the database failed (missing file, locked, damaged, …).
    case store(StoreError)
    /// No plate of that name; `known` lists the plates of the database.
    case unknownPlate(String, known: [String])
    /// The plate has no well of that name (or the name is not a well label).
    case unknownWell(plate: String?, well: String, known: [String])
    /// The field is not stored.
    case unknownField(String)
    /// No `cell` column of that name; `suggestions` are the closest valid names.
    case unknownFeature(String, suggestions: [String])
    /// No named query of that name.
    case unknownQuery(String, suggestions: [String])
    /// A `--param` the query does not declare, or a required one that is missing.
    case badParameter(String)
    /// A statement that would modify the database.
    case writeRefused(String)
    /// An SQL error (syntax, missing table, …) with the message SQLite gave.
    case sql(String)
    /// Writing an output file failed.
    case output(path: String, reason: String)
    /// An input file the user named (a query's `.sql`) is missing or unreadable.
    case input(path: String, reason: String)
    /// An argument out of range or inconsistent with the data.
    case invalidArgument(String)

    /// The user named something that does not exist (CLI exit status 2).
    public var isLookupFailure: Bool {
        switch self {
        case .unknownPlate, .unknownWell, .unknownField, .unknownFeature, .unknownQuery, .badParameter, .input: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .store(let error):
            return error.description
        case .unknownPlate(let name, let known):
            let list = known.isEmpty ? "the database has no plates yet" : "plates: " + Self.list(known)
            return "unknown plate '\(name)'; \(list)"
        case .unknownWell(let plate, let well, let known):
            let scope = plate.map { " on plate '\($0)'" } ?? ""
            let list = known.isEmpty ? "" : "; wells with data: " + Self.list(known)
            return "unknown well '\(well)'\(scope) (wells are named like B03)\(list)"
        case .unknownField(let text):
            return "unknown field '\(text)'; give PLATE/WELL/SITE of a stored field, e.g. P1/B03/2 (see `cellar counts --by field`)"
        case .unknownFeature(let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : "; did you mean " + suggestions.joined(separator: ", ") + "?"
            return "unknown feature '\(name)'\(hint) (all features: `cellar summary --list-features`)"
        case .unknownQuery(let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : "; did you mean " + suggestions.joined(separator: ", ") + "?"
            return "unknown query '\(name)'\(hint) (named queries: `cellar query --list`; or give a .sql file)"
        case .badParameter(let message):
            return message
        case .writeRefused(let sql):
            return "refused: the query would modify the database (queries run read-only): \(sql.prefix(120))"
        case .sql(let message):
            return "SQL error: \(message)"
        case .output(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .input(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidArgument(let message):
            return message
        }
    }

    public var errorDescription: String? { description }

    static func list(_ names: [String], limit: Int = 12) -> String {
        names.count <= limit ? names.joined(separator: ", ")
            : names.prefix(limit).joined(separator: ", ") + ", … (\(names.count) in all)"
    }

    /// Maps GRDB/SQLite errors thrown inside a read.
    static func wrap(_ error: any Error) -> QueryError {
        if let error = error as? QueryError { return error }
        if let error = error as? StoreError { return .store(error) }
        if let error = error as? DatabaseError {
            if error.resultCode == .SQLITE_READONLY { return .writeRefused(error.sql ?? "") }
            return .sql(error.message ?? "\(error)")
        }
        return .sql("\(error)")
    }
}
