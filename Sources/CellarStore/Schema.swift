import Foundation
import GRDB

/// The database schema: the numbered migrations of `schema/`, embedded at build time by the
/// EmbedSQL plugin, applied by GRDB's `DatabaseMigrator` (one migration per file, named by the
/// file name without `.sql`, e.g. `0001_initial`).
public enum Schema {
    /// Every `schema/*.sql` file, sorted by name, with its exact text.
    public static var migrations: [(name: String, sql: String)] { EmbeddedSQL.migrations }

    /// Names of the migrations this build knows, in order.
    public static var migrationNames: [String] { migrations.map(\.name) }

    /// Key columns of `cell` that are not features.
    static let cellKeyColumns: Set<String> = ["id", "field_id", "object_number"]

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// Feature columns of `cell` in table order, read from the schema (PRAGMA table_info).
    static func featureColumns(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('cell') ORDER BY cid")
            .filter { !cellKeyColumns.contains($0) }
    }

    /// Applied migration identifiers (empty when the migration table does not exist).
    static func appliedMigrations(_ db: Database) throws -> Set<String> {
        guard try db.tableExists("grdb_migrations") else { return [] }
        return try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
    }

    /// Whether the database holds tables of some other application (tables but no migrations).
    static func isForeignDatabase(_ db: Database) throws -> Bool {
        if try db.tableExists("grdb_migrations") { return false }
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        return tables > 0
    }
}

/// Decides which unknown feature names are acceptable per-channel columns.
///
/// A name is accepted when it is a `*_DNA` column of `cell` with `DNA` replaced by a channel
/// name (a letter followed by letters/digits), e.g. `Nuclei_Intensity_MeanIntensity_GFP`
/// from `Nuclei_Intensity_MeanIntensity_DNA`. Such columns are added to `cell` (REAL, NULL for
/// older rows) in the transaction of the first field that has them.
struct FeatureColumnPolicy: Sendable {
    private(set) var known: Set<String>
    private let templates: [Substring]  // "*_DNA" columns without the "DNA" suffix

    init(columns: [String]) {
        known = Set(columns)
        templates = columns.filter { $0.hasSuffix("_DNA") }.map { $0.dropLast(3) }
    }

    /// Splits `names` into the columns to add; throws for names that are neither known nor
    /// channel variants. O(names × templates).
    func columnsToAdd(_ names: [String]) throws(StoreError) -> [String] {
        var add: [String] = []
        var unknown: [String] = []
        var seen = Set<String>()
        for name in names {
            guard seen.insert(name).inserted else {
                throw StoreError.unknownFeatureColumns(["\(name) (listed twice)"])
            }
            if known.contains(name) { continue }
            let isChannelVariant = templates.contains { prefix in
                guard name.hasPrefix(prefix) else { return false }
                let channel = name.dropFirst(prefix.count)
                guard let first = channel.first, first.isASCII, first.isLetter else { return false }
                return channel.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            }
            if isChannelVariant { add.append(name) } else { unknown.append(name) }
        }
        if !unknown.isEmpty { throw StoreError.unknownFeatureColumns(unknown) }
        return add
    }

    mutating func insert(_ names: [String]) { known.formUnion(names) }
}

/// Quotes an SQL identifier (GRDB's `quotedDatabaseIdentifier`).
func quoteIdentifier(_ name: String) -> String { name.quotedDatabaseIdentifier }
