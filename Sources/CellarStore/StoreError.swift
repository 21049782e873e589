import Foundation

/// Everything the store can refuse, each saying which file and what to do.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The path does not exist and the store was opened read-only.
    case noDatabase(path: String)
    /// The file exists but is not an SQLite database.
    case notADatabase(path: String)
    /// An SQLite database without Cellar's migration table but with other tables.
    case notACellarDatabase(path: String)
    /// The file is shorter than its header says.
    case truncated(path: String, bytes: Int64, expectedBytes: Int64)
    /// SQLite reports damage while opening or reading.
    case corrupt(path: String, message: String)
    /// The database (or its -wal/-shm/.lock siblings) cannot be created in its directory.
    case directoryNotWritable(path: String, directory: String)
    /// The directory of the database does not exist.
    case noDirectory(path: String, directory: String)
    /// Another process holds the writer lock.
    case lockedByWriter(path: String, lockFile: String, pid: Int32?)
    /// SQLite stayed busy (another connection kept a write lock) past the busy timeout.
    case busy(path: String, seconds: Double)
    /// The database has migrations this build does not know.
    case newerSchema(path: String, unknownMigrations: [String])
    /// A read-only open found migrations not yet applied.
    case olderSchemaReadOnly(path: String, pendingMigrations: [String])
    /// A field names feature columns the schema does not have and that are not per-channel
    /// variants of `*_DNA` columns.
    case unknownFeatureColumns([String])
    /// A field whose arrays do not agree with its cell count.
    case invalidField(FieldKey, reason: String)
    /// The writer was used after `finish()` or after a failed commit.
    case writerClosed(reason: String)
    /// The file system holding the database is full (SQLITE_FULL, or an I/O error with no
    /// space left). `mount` is the mount point of the file system, `freeBytes` what it had left.
    case diskFull(path: String, mount: String, freeBytes: Int64?)
    /// Any other SQLite error, with the database path.
    case sqlite(path: String, code: Int32, message: String)

    /// What a non-database file is, from its first bytes (images and text), or nil.
    static func fileKind(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
            || head.starts(with: [0x49, 0x49, 0x2B, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2B]) { return "a TIFF image" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "a PNG image" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        return nil
    }

    public var description: String {
        switch self {
        case .noDatabase(let path):
            return "no database at \(path); create one with `cellar init \(path)`"
        case .notADatabase(let path):
            if let kind = Self.fileKind(path) {
                return "\(path) is \(kind), not a Cellar database; --db names the database file (e.g. --db screen.db), "
                    + "which any ingest creates"
            }
            return "\(path) is not a Cellar database (not an SQLite file); check the --db path, or move the file away and run `cellar init \(path)`"
        case .notACellarDatabase(let path):
            return "\(path) is an SQLite database but not a Cellar one (it has tables but no Cellar migrations); choose another path for the screen database"
        case .truncated(let path, let bytes, let expected):
            return "\(path) is truncated: \(bytes) bytes, its header says \(expected); the file was cut short (interrupted copy or full disk?); restore it from a copy, or delete it and re-ingest"
        case .corrupt(let path, let message):
            return "\(path) is damaged (\(message)); run `sqlite3 \(path) 'PRAGMA integrity_check'`, restore it from a copy, or delete it and re-ingest"
        case .directoryNotWritable(let path, let directory):
            return "cannot write \(path): directory \(directory) is not writable (the database needs its -wal, -shm and .lock files beside it); choose a writable location or fix the permissions, or open it read-only"
        case .noDirectory(let path, let directory):
            return "cannot create \(path): directory \(directory) does not exist; create it first"
        case .lockedByWriter(let path, let lockFile, let pid):
            let who = pid.map { "process \($0)" } ?? "another process"
            return "\(path) is open for writing by \(who) (lock \(lockFile)); only one writer at a time: stop it (e.g. the running `cellar watch`) or use a read-only command"
        case .busy(let path, let seconds):
            return "\(path) stayed locked by another connection for \(seconds) s; close other programs writing to it and retry"
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer Cellar (unknown migrations: \(unknown.joined(separator: ", "))); upgrade cellar to open it"
        case .olderSchemaReadOnly(let path, let pending):
            return "\(path) was written by an older Cellar and needs migrations \(pending.joined(separator: ", ")); open it once read-write (e.g. `cellar init \(path)`) to upgrade it"
        case .unknownFeatureColumns(let names):
            return "feature columns not in the cell table: \(names.joined(separator: ", ")); add them with a migration in schema/"
        case .invalidField(let key, let reason):
            return "field \(key): \(reason)"
        case .writerClosed(let reason):
            return "the store writer is closed: \(reason)"
        case .diskFull(let path, let mount, let free):
            let left = free.map { " (\($0 / 1024) KiB free)" } ?? ""
            return "disk full: cannot write \(path) on \(mount)\(left); free some space on \(mount) or move the database"
        case .sqlite(let path, let code, let message):
            return "\(path): SQLite error \(code): \(message)"
        }
    }

    public var errorDescription: String? { description }

    /// Errors a writer waits out instead of giving up: a full disk, a busy database, an I/O
    /// error (e.g. a network share that went away). Nothing was written by the failed
    /// transaction, so it can be retried as is.
    public var isTransient: Bool {
        switch self {
        case .diskFull, .busy: return true
        case .sqlite(_, let code, _): return code & 0xff == 10  // SQLITE_IOERR and its extended codes
        default: return false
        }
    }
}
