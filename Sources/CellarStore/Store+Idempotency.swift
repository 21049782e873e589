import GRDB

/// What the database holds about a field, for deciding whether to process it again.
public struct ProcessedField: Sendable, Hashable {
    /// `done` or `failed`.
    public var status: String
    /// Parameters hash of the run that produced the field's current rows.
    public var parametersHash: String
    /// Fingerprint of each stored image, by channel.
    public var fingerprints: [String: String]

    /// True when the field was processed (or failed) with exactly these files and parameters,
    /// so processing it again would change nothing.
    public func isCurrent(fingerprints: [String: String], parametersHash: String) -> Bool {
        self.parametersHash == parametersHash && self.fingerprints == fingerprints
    }
}

extension Store {
    /// Whether a field must be processed: true unless it is stored with the same image
    /// fingerprints (by channel) and the same parameters hash. A field that failed with
    /// unchanged files and parameters is not retried; a changed file or new parameters make
    /// it due again. O(log fields).
    public func needsProcessing(_ key: FieldKey, fingerprints: [String: String],
                                parametersHash: String) throws(StoreError) -> Bool {
        let stored: ProcessedField? = try read { db in
            guard let fieldID = try Store.fieldID(key, db: db) else { return nil }
            return try Store.processedField(fieldID: fieldID, db: db)
        }
        guard let stored else { return true }
        return !stored.isCurrent(fingerprints: fingerprints, parametersHash: parametersHash)
    }

    /// Bulk variant for scanning: every stored field of a plate (or of every plate) with its
    /// fingerprints and parameters hash. O(fields + images), one snapshot.
    public func processedFields(plate: String? = nil) throws(StoreError) -> [FieldKey: ProcessedField] {
        try read { db in
            var result: [FieldKey: ProcessedField] = [:]
            var keyByID: [Int64: FieldKey] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT f.id, p.name, w.row, w.col, f.site, f.status, r.parameters_hash
                FROM field f
                JOIN well w ON w.id = f.well_id
                JOIN plate p ON p.id = w.plate_id
                JOIN run r ON r.id = f.run_id
                WHERE ?1 IS NULL OR p.name = ?1
                """, arguments: [plate])
            while let row = try rows.next() {
                let key = FieldKey(plate: row[1], row: row[2], column: row[3], site: row[4])
                keyByID[row[0]] = key
                result[key] = ProcessedField(status: row[5], parametersHash: row[6], fingerprints: [:])
            }
            let images = try Row.fetchCursor(db, sql: """
                SELECT i.field_id, i.channel, i.fingerprint FROM image i
                JOIN field f ON f.id = i.field_id
                JOIN well w ON w.id = f.well_id
                JOIN plate p ON p.id = w.plate_id
                WHERE ?1 IS NULL OR p.name = ?1
                """, arguments: [plate])
            while let row = try images.next() {
                guard let key = keyByID[row[0]] else { continue }
                result[key]?.fingerprints[row[1]] = row[2]
            }
            return result
        }
    }

    static func processedField(fieldID: Int64, db: Database) throws -> ProcessedField? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT f.status, r.parameters_hash FROM field f JOIN run r ON r.id = f.run_id WHERE f.id = ?
            """, arguments: [fieldID]) else { return nil }
        var fingerprints: [String: String] = [:]
        for image in try Row.fetchAll(db, sql: "SELECT channel, fingerprint FROM image WHERE field_id = ?",
                                      arguments: [fieldID]) {
            fingerprints[image[0]] = image[1]
        }
        return ProcessedField(status: row[0], parametersHash: row[1], fingerprints: fingerprints)
    }
}
