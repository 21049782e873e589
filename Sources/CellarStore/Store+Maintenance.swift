import GRDB

extension Store {
    /// Checkpoints the WAL into the database file (TRUNCATE) and returns the largest tables
    /// and indexes with their bytes (SQLite's `dbstat`; empty where that is not compiled in).
    /// For benchmarks and reports; needs a read-write store. O(pages).
    public func checkpointAndTableSizes(limit: Int = 6) async throws(StoreError) -> [(name: String, bytes: Int64)] {
        do {
            return try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                do {
                    return try Row.fetchAll(db, sql: "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT ?",
                                            arguments: [limit]).map { (name: $0[0] as String, bytes: $0[1] as Int64) }
                } catch {
                    return []   // no dbstat in this SQLite
                }
            }
        } catch { throw mapError(error) }
    }
}
