import Crypto
import Foundation
import GRDB
import Logging

/// A Cellar screen database: SQLite in WAL mode behind a GRDB `DatabasePool`.
///
/// Connection policy: WAL journal, `synchronous = NORMAL` (a commit survives a process crash;
/// a power loss may lose the last commits but never corrupts), foreign keys on, a 5 s busy
/// timeout, any number of concurrent readers. One writer process at a time, enforced by an
/// advisory `flock` on `<db>.lock` taken by read-write opens (see `WriterLock`); read-only
/// opens never take it and never block the writer. Within the process, write through one
/// `StoreWriter` (see `makeWriter`).
public final class Store: Sendable {
    public enum Mode: Sendable, Hashable {
        /// Creates the database if missing, migrates an older one, takes the writer lock.
        case readWrite
        /// Opens an existing, up-to-date database for queries only.
        case readOnly
    }

    public let path: String
    public let mode: Mode
    public let logger: Logger
    let pool: DatabasePool
    private let lock: WriterLock?

    /// Busy timeout of every connection, seconds.
    public static let busyTimeout: Double = 5

    /// Read access for the query layer: any number of concurrent readers, each read a
    /// consistent snapshot (a field is complete or absent).
    public var reader: any DatabaseReader { pool }

    /// `cellar_sha256(text)`: lower-case hex SHA-256 of a text's UTF-8 bytes, for migrations
    /// (0004 rehashes run parameters with it).
    static let sha256Function = DatabaseFunction("cellar_sha256", argumentCount: 1, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return nil }
        var hasher = SHA256()
        hasher.update(data: Array(text.utf8))
        return hasher.finalize().map { b in b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }.joined()
    }

    private init(path: String, mode: Mode, logger: Logger, pool: DatabasePool, lock: WriterLock?) {
        self.path = path
        self.mode = mode
        self.logger = logger
        self.pool = pool
        self.lock = lock
    }

    /// Creates the database at `path` if missing (or migrates an existing one) and opens it
    /// read-write. Same as `open(at:mode: .readWrite)`; what `cellar init` calls.
    public static func create(at path: String, logger: Logger = Logger(label: "cellar.store")) throws(StoreError) -> Store {
        try open(at: path, mode: .readWrite, logger: logger)
    }

    /// Opens the database at `path`.
    ///
    /// Errors name the file and the remedy: `.noDatabase` (read-only, missing), `.notADatabase`,
    /// `.truncated`, `.corrupt`, `.directoryNotWritable`, `.lockedByWriter` (another process
    /// writes), `.newerSchema` (written by a newer Cellar), `.olderSchemaReadOnly`.
    public static func open(at path: String, mode: Mode, logger: Logger = Logger(label: "cellar.store")) throws(StoreError) -> Store {
        let exists = DatabaseFile.exists(path)
        if DatabaseFile.isDirectory(path) { throw .notADatabase(path: path) }
        let directory = DatabaseFile.directory(of: path)
        switch mode {
        case .readOnly:
            // An empty file (e.g. from `touch`) is no database either.
            guard exists, DatabaseFile.size(path) ?? 0 > 0 else { throw .noDatabase(path: path) }
        case .readWrite:
            guard DatabaseFile.isDirectory(directory) else { throw .noDirectory(path: path, directory: directory) }
        }
        if exists { try DatabaseFile.checkHeader(path) }
        let lock = mode == .readWrite ? try WriterLock.acquire(database: path) : nil

        var config = Configuration()
        config.readonly = mode == .readOnly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "cellar.store"
        config.prepareDatabase { db in
            db.add(function: Store.sha256Function)
            // Writer: NORMAL sync (WAL commits need no fsync), a 16 MB page cache, and
            // checkpoints every 8192 pages (32 MB) instead of 1000, for fewer fsync rounds.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000; PRAGMA wal_autocheckpoint = 8192")
            }
        }
        // A read-only open in a directory nobody can write to (a read-only share): with no -wal
        // file no process can be writing, so the file is opened as immutable (no -shm needed).
        var sqlitePath = path
        if mode == .readOnly && access(directory, W_OK) != 0 && !DatabaseFile.exists(path + "-wal") {
            sqlitePath = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: sqlitePath, configuration: config)
        } catch {
            throw mapOpenError(error, path: path, mode: mode)
        }
        let store = Store(path: path, mode: mode, logger: logger, pool: pool, lock: lock)
        do {
            try store.checkAndMigrate()
        } catch {
            throw mapOpenError(error, path: path, mode: mode)
        }
        logger.debug("opened \(path) (\(mode == .readWrite ? "read-write" : "read-only"))")
        return store
    }

    /// Refuses foreign and newer databases; migrates older ones (read-write) or refuses them
    /// (read-only).
    private func checkAndMigrate() throws {
        let known = Schema.migrationNames
        let check: @Sendable (Database) throws -> Void = { [path] db in
            if try Schema.isForeignDatabase(db) { throw StoreError.notACellarDatabase(path: path) }
            let applied = try Schema.appliedMigrations(db)
            let unknown = applied.subtracting(known).sorted()
            if !unknown.isEmpty { throw StoreError.newerSchema(path: path, unknownMigrations: unknown) }
        }
        switch mode {
        case .readOnly:
            try pool.read { db in
                try check(db)
                let applied = try Schema.appliedMigrations(db)
                let pending = known.filter { !applied.contains($0) }
                if !pending.isEmpty { throw StoreError.olderSchemaReadOnly(path: path, pendingMigrations: pending) }
            }
        case .readWrite:
            try pool.writeWithoutTransaction { db in try check(db) }
            let migrator = Schema.migrator()
            let applied = try pool.read { db in try migrator.appliedMigrations(db) }.count
            if applied == 0 {
                logger.info("creating database \(path)")
            } else if applied < known.count {
                logger.info("migrating \(path): applying \(known.count - applied) migration(s)")
            }
            try migrator.migrate(pool)
        }
    }

    /// Checkpoints the WAL into the database file (read-write) and closes every connection;
    /// afterwards the `-wal` and `-shm` files are gone (or empty). The writer lock is released
    /// when the store is closed (or deallocated).
    public func close() throws(StoreError) {
        do {
            if mode == .readWrite {
                do {
                    try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                } catch where mapError(error).isTransient {
                    // Every commit is safe in the -wal file; SQLite replays it at the next open.
                    logger.warning("\(mapError(error)); the -wal file is kept and folded in at the next open")
                }
            }
            try pool.close()
            if mode == .readWrite {
                // GRDB closes the writer before its read-only readers, so SQLite leaves the (empty)
                // -wal and -shm behind; a last short-lived read-write connection removes them.
                var config = Configuration()
                config.busyMode = .timeout(0)
                try? DatabaseQueue(path: path, configuration: config).close()
                // Release the writer lock now, not at deallocation: a task still holding this
                // (closed, unusable) store must not block the next writer (a flaky re-open).
                lock?.unlock()
            }
        } catch {
            throw mapError(error)
        }
    }

    /// Maps GRDB/SQLite errors to `StoreError` with this store's path.
    func mapError(_ error: any Error) -> StoreError {
        Store.mapOpenError(error, path: path, mode: mode)
    }

    static func mapOpenError(_ error: any Error, path: String, mode: Mode) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let db = error as? DatabaseError else {
            return .sqlite(path: path, code: -1, message: "\(error)")
        }
        let message = db.message ?? "\(db)"
        switch db.resultCode {
        case .SQLITE_NOTADB:
            return .notADatabase(path: path)
        case .SQLITE_CORRUPT:
            return .corrupt(path: path, message: message)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .busy(path: path, seconds: busyTimeout)
        case .SQLITE_FULL:
            return .diskFull(path: path, mount: DatabaseFile.mountPoint(of: path), freeBytes: DatabaseFile.freeBytes(near: path))
        case .SQLITE_IOERR where (DatabaseFile.freeBytes(near: path) ?? .max) < 1 << 20:
            return .diskFull(path: path, mount: DatabaseFile.mountPoint(of: path), freeBytes: DatabaseFile.freeBytes(near: path))
        case .SQLITE_CANTOPEN, .SQLITE_READONLY:
            let directory = DatabaseFile.directory(of: path)
            if access(directory, W_OK) != 0 {
                return .directoryNotWritable(path: path, directory: directory)
            }
            return .sqlite(path: path, code: db.extendedResultCode.rawValue, message: message)
        default:
            return .sqlite(path: path, code: db.extendedResultCode.rawValue, message: message)
        }
    }
}
