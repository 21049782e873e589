import CellarStore
import CellarTestSupport
import Foundation
import GRDB
import Testing

@Suite struct SchemaTests {
    static let packageRoot = URL(fileURLWithPath: TestEnvironment.packageRoot)

    @Test func embeddedMigrationsMatchTheFiles() throws {
        let dir = Self.packageRoot.appendingPathComponent("schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(Schema.migrations.map(\.name) == files.map { String($0.dropLast(4)) })
        for (file, embedded) in zip(files, Schema.migrations) {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(embedded.sql == text, "embedded \(file) differs from the file")
        }
        #expect(Schema.migrations.first?.name == "0001_initial")
    }

    @Test func migratesFromEmptyAndReopens() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("screen.db")
        do {
            let store = try Store.create(at: path)
            let columns = try store.featureColumns()
            #expect(columns.count == 39)
            #expect(columns.first == "Nuclei_Number_Object_Number")
            #expect(columns[3] == "Nuclei_AreaShape_Area")
            #expect(columns.contains("Nuclei_Intensity_MassDisplacement_DNA"))
            #expect(columns.contains("Nuclei_Location_CenterMassIntensity_Y_DNA"))
            #expect(columns.last == "Nuclei_Location_CenterMassIntensity_Y_DNA")
            #expect(columns.allSatisfy { $0.hasPrefix("Nuclei_") })
            _ = try await writeFields(store, keys: keys(count: 3), cells: 10)
            let settings = try await store.reader.read { db in
                try (String.fetchOne(db, sql: "PRAGMA journal_mode"),
                     Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
            }
            #expect(settings.0 == "wal")
            #expect(settings.1 == 1)
            try store.close()
        }
        let again = try Store.open(at: path, mode: .readWrite)
        #expect(try again.fieldCounts().count == 3)
        #expect(try again.integrityCheck() == ["ok"])
        try again.close()
        let readOnly = try Store.open(at: path, mode: .readOnly)
        #expect(try readOnly.wellCounts(plate: "P1").map(\.cells) == [10, 10, 10])
    }

    @Test func olderDatabaseIsMigratedAndNewerIsRefused() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("old.db")
        // An "older Cellar": every migration but the last one applied.
        do {
            let queue = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            for (name, sql) in Schema.migrations.dropLast() {
                migrator.registerMigration(name) { db in try db.execute(sql: sql) }
            }
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            }
            try migrator.migrate(queue)
            try queue.close()
        }
        #expect(throws: StoreError.olderSchemaReadOnly(path: path, pendingMigrations: [Schema.migrationNames.last!])) {
            try Store.open(at: path, mode: .readOnly)
        }
        do {
            let store = try Store.open(at: path, mode: .readWrite)
            let applied = try store.reader.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY 1") }
            #expect(applied == Schema.migrationNames)
            try store.reader.read { _ in }
            try store.close()
        }
        // A "newer Cellar" applied a migration this build does not know.
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('9999_future')") }
            try queue.close()
        }
        for mode in [Store.Mode.readWrite, .readOnly] {
            let error = #expect(throws: StoreError.self) { try Store.open(at: path, mode: mode) }
            #expect(error == .newerSchema(path: path, unknownMigrations: ["9999_future"]))
            #expect(error?.description.contains("newer Cellar") == true)
        }
    }

    @Test func foreignSQLiteDatabaseIsRefused() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("other.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes(text TEXT)") }
        try queue.close()
        #expect(throws: StoreError.notACellarDatabase(path: path)) { try Store.open(at: path, mode: .readWrite) }
    }

    @Test func wellNamesAndKeys() {
        #expect(FieldKey.wellName(row: 2, column: 3) == "B03")
        #expect(FieldKey.wellName(row: 16, column: 24) == "P24")
        #expect(FieldKey.wellName(row: 32, column: 48) == "AF48")
        let key = FieldKey(parsing: "P1/B03/2")
        #expect(key == FieldKey(plate: "P1", row: 2, column: 3, site: 2))
        #expect(key?.description == "P1/B03/2")
        #expect(FieldKey(parsing: "plate/with/slash/AF48/9") == FieldKey(plate: "plate/with/slash", row: 32, column: 48, site: 9))
        #expect(FieldKey(parsing: "B03/2") == nil)
    }
}

/// 0004: runs hashed with the old 64-bit FNV-1a are rehashed with SHA-256 of the same
/// parameters text, so an upgrade does not re-process unchanged fields.
@Suite struct ParametersHashMigrationTests {
    @Test func oldFNVHashesBecomeSHA256OfTheParameters() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("old.db")
        let key = FieldKey(plate: "P", row: 1, column: 1, site: 1)
        do {
            let store = try Store.create(at: path)
            let writer = try store.makeWriter(run: RunInfo(version: "0.1.0", parametersJSON: #"{"a":1}"#, parametersHash: "x"))
            try await writer.submit(failure: FailureRecord(path: "/p.tif", reason: "test", field: key))
            _ = try await writer.finish()
            try store.close()
        }
        // Back to what a database written before 0004 holds: an FNV hash, the migration not applied.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE run SET parameters_hash = '9bc5a6f1e7b6cd42'")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '0004_sha256_parameters'")
        }
        try queue.close()
        let store = try Store.open(at: path, mode: .readWrite)
        defer { try? store.close() }
        let sha = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"  // sha256 of {"a":1}
        #expect(try store.runs().map(\.parametersHash) == [sha])
        #expect(try store.processedFields()[key]?.parametersHash == sha)
    }
}
