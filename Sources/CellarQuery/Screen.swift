import CellarStore
import Foundation
import GRDB
import Logging

/// A screen database opened read-only for queries. Any number of these run beside the
/// ingest daemon (WAL readers); each query reads one consistent snapshot.
public struct Screen: Sendable {
    public let store: Store
    /// Keeps a temporary database alive (and removes it when the last copy of the screen
    /// goes away); nil for a database the user named. See `Screen.open(paths:scope:)`.
    var temporary: TemporaryDatabase? = nil

    /// Opens the database at `path` read-only. A missing file fails with
    /// `QueryError.store(.noDatabase)`, whose message says how to create one.
    public static func open(_ path: String, logger: Logger = Logger(label: "cellar.query")) throws(QueryError) -> Screen {
        do {
            return Screen(store: try Store.open(at: path, mode: .readOnly, logger: logger))
        } catch {
            throw .store(error)
        }
    }

    public init(store: Store) { self.store = store }

    /// Memory-mapped reads (no read() system call per page on long scans); a refusal is
    /// logged, and the reads go on unmapped.
    static func mapMemory(_ db: Database, logger: Logger) {
        do { try db.execute(sql: "PRAGMA mmap_size = 68719476736") } catch {
            logger.notice("SQLite refused memory-mapped reads (\(error)); reading without them")
        }
    }

    /// Runs `body` in one read transaction (one snapshot), mapping errors to `QueryError`.
    public func read<T>(_ body: (Database) throws -> T) throws(QueryError) -> T {
        do {
            return try store.reader.read { db in
                Self.mapMemory(db, logger: store.logger)
                return try body(db)
            }
        } catch {
            throw QueryError.wrap(error)
        }
    }
}

/// A stored field with its natural key (one row of `field` joined to well and plate).
public struct FieldRef: Sendable, Hashable {
    /// `field.id`: local to this database, used only to read its cells.
    public var id: Int64
    public var plate: String
    public var row: Int
    public var column: Int
    public var well: String
    public var site: Int
    /// `done` or `failed`.
    public var status: String
    /// Cells stored (0 for failed fields).
    public var cells: Int

    public var key: FieldKey { FieldKey(plate: plate, row: row, column: column, site: site) }
}

/// Which fields a query covers: a plate (or all) and optionally some wells.
public struct FieldFilter: Sendable, Hashable {
    public var plate: String?
    /// Well labels such as `B03` (case-insensitive; `B3` is accepted). Empty = every well.
    public var wells: [String]

    public init(plate: String? = nil, wells: [String] = []) {
        self.plate = plate
        self.wells = wells
    }
}

extension Screen {
    /// The fields matching `filter` in key order (plate, row, column, site). Throws
    /// `unknownPlate` / `unknownWell` for names that match nothing. O(fields).
    public func fields(_ filter: FieldFilter) throws(QueryError) -> [FieldRef] {
        try read { db in try Self.fields(filter, db: db) }
    }

    static func fields(_ filter: FieldFilter, db: Database) throws -> [FieldRef] {
        if let plate = filter.plate { try checkPlate(plate, db: db) }
        var wanted: Set<WellPosition>? = nil
        if !filter.wells.isEmpty {
            var set = Set<WellPosition>()
            for name in filter.wells {
                guard let position = WellPosition(parsing: name) else {
                    throw QueryError.unknownWell(plate: filter.plate, well: name, known: [])
                }
                set.insert(position)
            }
            wanted = set
        }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT f.id, p.name, w.row, w.col, w.name, f.site, f.status, coalesce(f.cell_count, 0)
            FROM field f
            JOIN well w ON w.id = f.well_id
            JOIN plate p ON p.id = w.plate_id
            WHERE ?1 IS NULL OR p.name = ?1
            ORDER BY p.name, w.row, w.col, f.site
            """, arguments: [filter.plate])
        var out: [FieldRef] = []
        var seen = Set<WellPosition>()
        while let row = try rows.next() {
            let position = WellPosition(row: row[2], column: row[3])
            if let wanted, !wanted.contains(position) { continue }
            seen.insert(position)
            out.append(FieldRef(id: row[0], plate: row[1], row: row[2], column: row[3], well: row[4],
                                site: row[5], status: row[6], cells: row[7]))
        }
        if let wanted {
            // Every requested well must have data somewhere in the selection.
            for position in wanted.sorted() where !seen.contains(position) {
                let known = try String.fetchAll(db, sql: """
                    SELECT DISTINCT w.name FROM well w JOIN plate p ON p.id = w.plate_id
                    WHERE ?1 IS NULL OR p.name = ?1 ORDER BY w.row, w.col
                    """, arguments: [filter.plate])
                throw QueryError.unknownWell(plate: filter.plate, well: position.name, known: known)
            }
        }
        return out
    }

    static func checkPlate(_ plate: String, db: Database) throws {
        let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM plate WHERE name = ?)",
                                       arguments: [plate]) ?? false
        if !exists {
            let known = try String.fetchAll(db, sql: "SELECT name FROM plate ORDER BY name")
            throw QueryError.unknownPlate(plate, known: known)
        }
    }

    /// Names of the plates, sorted.
    public func plateNames() throws(QueryError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM plate ORDER BY name") }
    }

    /// Feature columns of `cell`, in table order.
    public func featureColumns() throws(QueryError) -> [String] {
        do { return try store.featureColumns() } catch { throw .store(error) }
    }

    /// Resolves user-typed feature names against the `cell` columns: exact name, then
    /// case-insensitive, then a unique `_suffix` match (`Area` → `Nuclei_AreaShape_Area`).
    /// Unknown names throw `unknownFeature` with the closest names by edit distance.
    public func resolveFeatures(_ names: [String]) throws(QueryError) -> [String] {
        let columns = try featureColumns()
        return try FeatureNames.resolve(names, columns: columns)
    }
}

/// A well position (1-based row and column), parsed from labels like `B03`, `b3`, `AF48`.
public struct WellPosition: Hashable, Sendable, Comparable {
    public var row: Int
    public var column: Int

    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let letters = trimmed.prefix { $0.isASCII && $0.isLetter }
        guard !letters.isEmpty, letters.count <= 2, let column = Int(trimmed.dropFirst(letters.count)),
              column >= 1 else { return nil }
        var row = 0
        for ch in letters.uppercased().unicodeScalars { row = row * 26 + Int(ch.value) - 64 }
        self.init(row: row, column: column)
    }

    /// `B03`.
    public var name: String { FieldKey.wellName(row: row, column: column) }

    public static func < (a: WellPosition, b: WellPosition) -> Bool { (a.row, a.column) < (b.row, b.column) }
}

/// Feature-name matching and suggestions.
public enum FeatureNames {
    /// See `Screen.resolveFeatures`. O(names × columns × name length²).
    public static func resolve(_ names: [String], columns: [String]) throws(QueryError) -> [String] {
        var out: [String] = []
        for raw in names {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if columns.contains(name) { out.append(name); continue }
            let lower = name.lowercased()
            let caseless = columns.filter { $0.lowercased() == lower }
            if caseless.count == 1 { out.append(caseless[0]); continue }
            let suffix = columns.filter { $0.lowercased().hasSuffix("_" + lower) }
            if suffix.count == 1 { out.append(suffix[0]); continue }
            throw .unknownFeature(name, suggestions: suggestions(for: name, among: columns))
        }
        return out
    }

    /// Up to `limit` names closest to `name` (Levenshtein distance, case-insensitive; names
    /// ending in `_name` first).
    public static func suggestions(for name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let lower = name.lowercased()
        let scored = candidates.map { candidate -> (String, Int) in
            let c = candidate.lowercased()
            var d = editDistance(lower, c)
            // Compare with the part after the object prefix too (`AreaShape_Area`).
            for cut in c.indices where c[cut] == "_" {
                d = min(d, editDistance(lower, String(c[c.index(after: cut)...])) + 1)
            }
            return (candidate, d)
        }
        let threshold = max(3, lower.count / 2)
        return scored.filter { $0.1 <= threshold }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .prefix(limit).map(\.0)
    }

    /// Levenshtein distance. O(|a| × |b|).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0 ... y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1 ... x.count {
            current[0] = i
            for j in 1 ... y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
