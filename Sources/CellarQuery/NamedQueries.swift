import Foundation
import GRDB
import GRDBSQLite

/// A parameter a named query declares in its header comment.
public struct QueryParameter: Sendable, Hashable {
    public var name: String
    public var description: String
    public var required: Bool
    /// The description says `(optional…)`: omitted, the parameter is NULL.
    public var optional: Bool { description.lowercased().contains("(optional") }
}

/// One SQL query with its documentation, from `queries/NAME.sql` (embedded) or a user's file.
public struct NamedQuery: Sendable, Hashable {
    public var name: String
    /// The header's first paragraph, after `name:`, joined into one line.
    public var summary: String
    /// The whole header comment, `--` markers removed.
    public var documentation: String
    public var parameters: [QueryParameter]
    public var sql: String

    /// Parses the header: `-- name: summary`, then `--   :param  description` lines.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        var doc: [String] = []
        var params: [QueryParameter] = []
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("--") else {
                if t.isEmpty { continue }
                break
            }
            let text = String(t.dropFirst(2)).trimmingCharacters(in: .whitespaces)
            doc.append(text)
            if text.hasPrefix(":") {
                let parts = text.dropFirst().split(maxSplits: 1, whereSeparator: \.isWhitespace)
                if let first = parts.first {
                    let description = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
                    params.append(QueryParameter(name: String(first), description: description,
                                                 required: description.contains("(required)")))
                }
            }
        }
        // The summary is the whole first paragraph, however many lines it takes.
        var summary = doc.prefix { !$0.isEmpty && !$0.lowercased().hasPrefix("parameters:") }.joined(separator: " ")
        if summary.hasPrefix(name + ":") { summary = String(summary.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        self.summary = summary
        documentation = doc.joined(separator: "\n")
        parameters = params
    }
}

/// A value of a query result.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// A blob, by size.
    case blob(bytes: Int)
}

/// Column names and rows of a query.
public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]
}

/// `cellar query`: the named queries of `queries/` and users' `.sql` files, run read-only.
public enum NamedQueries {
    /// The queries embedded from `queries/` at build time, sorted by name.
    public static var all: [NamedQuery] {
        EmbeddedSQL.namedQueries.map { NamedQuery(name: $0.name, sql: $0.sql) }
    }

    /// A named query, or the file at `nameOrPath` when it ends in `.sql` or names an existing
    /// file. Unknown names throw `unknownQuery` with the closest names.
    public static func resolve(_ nameOrPath: String) throws(QueryError) -> NamedQuery {
        if let query = all.first(where: { $0.name == nameOrPath }) { return query }
        if nameOrPath.hasSuffix(".sql") || nameOrPath.contains("/") || FileManager.default.fileExists(atPath: nameOrPath) {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw .input(path: nameOrPath, reason: "no such file")
            }
            guard let data = FileManager.default.contents(atPath: nameOrPath),
                  let text = String(data: data, encoding: .utf8) else {
                throw .input(path: nameOrPath, reason: "not UTF-8 text")
            }
            let name = ((nameOrPath as NSString).lastPathComponent as NSString).deletingPathExtension
            return NamedQuery(name: name, sql: text)
        }
        throw .unknownQuery(nameOrPath, suggestions: FeatureNames.suggestions(for: nameOrPath, among: all.map(\.name)))
    }

    /// Parses `k=v` strings. Throws `badParameter` for text without `=`.
    public static func parseParameters(_ pairs: [String]) throws(QueryError) -> [String: String] {
        var out: [String: String] = [:]
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw .badParameter("--param expects NAME=VALUE, got '\(pair)'")
            }
            var key = String(pair[..<eq])
            if key.hasPrefix(":") { key.removeFirst() }
            out[key] = String(pair[pair.index(after: eq)...])
        }
        return out
    }

    /// Runs `query` with `parameters` (`name → value`; an integer or real when the value parses
    /// as one, else text) on a read-only snapshot. A parameter the header declares
    /// `(optional…)` is NULL when omitted; any other omitted one is an error naming it. A
    /// `plate` value must name a plate of the database (a lookup error otherwise, as for
    /// `counts --plate`).
    ///
    /// Refuses: more than one statement, a statement that writes (checked with
    /// `sqlite3_stmt_readonly` before it runs; the connection is read-only besides), parameters
    /// the query does not use, missing required ones. O(result rows × columns) memory.
    public static func run(_ screen: Screen, _ query: NamedQuery, parameters: [String: String]) throws(QueryError) -> QueryResult {
        try screen.read { db in
            var statements: [Statement] = []
            let cursor = try db.allStatements(sql: query.sql)
            while let statement = try cursor.next() { statements.append(statement) }
            guard statements.count == 1, let statement = statements.first else {
                throw QueryError.invalidArgument(statements.isEmpty
                    ? "query '\(query.name)' holds no SQL statement"
                    : "query '\(query.name)' holds \(statements.count) statements; a query file holds exactly one")
            }
            guard sqlite3_column_count(statement.sqliteStatement) > 0 else {
                // BEGIN, ATTACH, DETACH, … are "read-only" for SQLite but change the connection.
                throw QueryError.writeRefused(statement.sql)
            }
            guard sqlite3_stmt_readonly(statement.sqliteStatement) != 0 else {
                throw QueryError.writeRefused(statement.sql)
            }
            var used: [String] = []
            let count = sqlite3_bind_parameter_count(statement.sqliteStatement)
            if count > 0 {
                for i in 1 ... count {
                    guard let cName = sqlite3_bind_parameter_name(statement.sqliteStatement, i) else {
                        throw QueryError.invalidArgument("query '\(query.name)' uses a positional parameter (?); use :named parameters")
                    }
                    used.append(String(String(cString: cName).dropFirst()))
                }
            }
            let unknown = parameters.keys.filter { !used.contains($0) }.sorted()
            if !unknown.isEmpty {
                let valid = used.isEmpty ? "it takes no parameters" : "its parameters: " + used.joined(separator: ", ")
                throw QueryError.badParameter("query '\(query.name)' has no parameter \(unknown.joined(separator: ", ")); \(valid)")
            }
            let optional = Set(query.parameters.filter(\.optional).map(\.name))
            let missing = used.filter { parameters[$0] == nil && !optional.contains($0) }
            if let name = missing.first {
                let doc = query.parameters.first { $0.name == name }.map { " (\($0.description))" } ?? ""
                throw QueryError.badParameter("query '\(query.name)' needs --param \(name)=…\(doc)")
            }
            if let plate = parameters["plate"], used.contains("plate") {
                let known = try String.fetchAll(db, sql: "SELECT name FROM plate ORDER BY name")
                if !known.contains(plate) { throw QueryError.unknownPlate(plate, known: known) }
            }
            var arguments: [String: (any DatabaseValueConvertible)?] = [:]
            for name in used {
                let value: (any DatabaseValueConvertible)?
                if let text = parameters[name] {
                    if let i = Int64(text) { value = i }
                    else if let d = Double(text), d.isFinite { value = d }
                    else { value = text }
                } else {
                    value = nil  // omitted optional parameter: NULL
                }
                arguments.updateValue(value, forKey: name)
            }
            try statement.setArguments(StatementArguments(arguments))
            let columns = statement.columnNames
            var rows: [[SQLValue]] = []
            let rowCursor = try Row.fetchCursor(statement)
            while let row = try rowCursor.next() {
                rows.append((0 ..< row.count).map { i in
                    switch row[i] as DatabaseValue {
                    case let v where v.isNull: return .null
                    case let v:
                        switch v.storage {
                        case .int64(let x): return .integer(x)
                        case .double(let x): return .real(x)
                        case .string(let s): return .text(s)
                        case .blob(let b): return .blob(bytes: b.count)
                        case .null: return .null
                        }
                    }
                })
            }
            return QueryResult(columns: columns, rows: rows)
        }
    }
}
