import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-level checks done before SQLite sees the file, so the errors can be specific.
enum DatabaseFile {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    static func directory(of path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    /// The mount point of the file system holding `path` (or its directory): the highest
    /// ancestor on the same device. O(path depth) `stat` calls.
    static func mountPoint(of path: String) -> String {
        var current = exists(path) ? path : directory(of: path)
        if !current.hasPrefix("/") { current = FileManager.default.currentDirectoryPath + "/" + current }
        current = (current as NSString).standardizingPath
        var st = stat()
        guard stat(current, &st) == 0 else { return current }
        let device = st.st_dev
        while current != "/" {
            let parent = (current as NSString).deletingLastPathComponent
            var pst = stat()
            guard stat(parent, &pst) == 0, pst.st_dev == device else { break }
            current = parent
        }
        return current
    }

    /// Bytes available to this process on the file system of `path`'s directory, nil if unknown.
    static func freeBytes(near path: String) -> Int64? {
        var fs = statvfs()
        guard statvfs(directory(of: path), &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Reads the 100-byte SQLite header and refuses non-SQLite and truncated files. O(1).
    ///
    /// An empty file is accepted (SQLite treats it as a new database). The size check uses the
    /// header's page count only when it is valid and no non-empty `-wal` file exists (a crash
    /// during a checkpoint can leave the main file short until the WAL is replayed).
    static func checkHeader(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }  // let SQLite report what it cannot open
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 100)
        let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 100, 0) }
        guard let size = size(path), size > 0 else { return }
        let magic = Array("SQLite format 3\0".utf8)
        let prefix = Array(header.prefix(min(max(n, 0), 16)))
        guard prefix == Array(magic.prefix(prefix.count)) else { throw .notADatabase(path: path) }
        guard n == 100 else { throw .truncated(path: path, bytes: size, expectedBytes: 100) }
        var pageSize = Int64(header[16]) << 8 | Int64(header[17])
        if pageSize == 1 { pageSize = 65536 }
        guard pageSize >= 512, pageSize & (pageSize - 1) == 0 else { throw .notADatabase(path: path) }
        if let walSize = DatabaseFile.size(path + "-wal"), walSize > 0 { return }
        let pageCount = header[28 ..< 32].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let headerValid = header[24 ..< 28] == header[92 ..< 96] && pageCount > 0
        if size % pageSize != 0 {
            throw .truncated(path: path, bytes: size,
                             expectedBytes: headerValid ? pageCount * pageSize : (size / pageSize + 1) * pageSize)
        }
        if headerValid && size < pageCount * pageSize {
            throw .truncated(path: path, bytes: size, expectedBytes: pageCount * pageSize)
        }
    }

}

/// The advisory writer lock: `<db>.lock`, held with `flock(LOCK_EX)` while a store is open
/// read-write. The kernel releases it when the process exits, even on SIGKILL, so a stale
/// file never blocks; it holds the owner's pid for the error message. Readers do not take it.
final class WriterLock: Sendable {
    let path: String
    // An fd is just an integer; it is closed once in `deinit`, when no other reference exists.
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }  // closing the descriptor releases the flock

    /// Releases the lock early (the descriptor stays open until deinit). Idempotent.
    func unlock() { flock(fd, LOCK_UN) }

    /// The pid of the process holding `<database>.lock`, or nil when no writer has the
    /// database open. Probes with a non-blocking shared lock; never blocks a writer.
    static func holder(database: String) -> Int32? {
        let fd = open(database + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        let text = String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self)
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static func acquire(database: String) throws(StoreError) -> WriterLock {
        let lockPath = database + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let err = errno
            if err == EACCES || err == EROFS || err == EPERM {
                throw .directoryNotWritable(path: database, directory: DatabaseFile.directory(of: database))
            }
            if err == ENOENT {
                throw .noDirectory(path: database, directory: DatabaseFile.directory(of: database))
            }
            throw .sqlite(path: lockPath, code: -1, message: "cannot open lock file: \(String(cString: strerror(err)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
            close(fd)
            if err == EWOULDBLOCK || err == EAGAIN {
                let text = String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self)
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
                throw .lockedByWriter(path: database, lockFile: lockPath, pid: pid)
            }
            throw .sqlite(path: lockPath, code: -1, message: "cannot lock: \(String(cString: strerror(err)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return WriterLock(path: lockPath, fd: fd)
    }
}
