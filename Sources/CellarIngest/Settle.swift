import CellarImage
/// Settle detection: when is a file finished?
///
/// A file is ready when (a) inotify reports it closed after writing (`IN_CLOSE_WRITE`)
/// or moved into place (`IN_MOVED_TO`), or (b) two `stat`s at least `settle` apart
/// (default 2 s) saw the same size, mtime and inode — the rule for polling, for files found
/// by a scan, and for files already in a directory when its watch was added. The rule is
/// observational, never "mtime older than now − settle", so clock skew between a file
/// server and this machine cannot declare a file finished early.
public struct SettleTracker: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public let settle: Duration
    private var pending: [String: Entry] = [:]

    struct Entry: Sendable { var file: ScannedFile; var since: Instant }

    public init(settle: Duration = .seconds(2)) { self.settle = settle }

    /// Files still waiting.
    public var count: Int { pending.count }
    public var isEmpty: Bool { pending.isEmpty }
    public func contains(path: String) -> Bool { pending[path] != nil }

    /// Records an observation. A new file, or one whose fingerprint changed since the
    /// last observation, (re)starts its settle clock; an unchanged one keeps it.
    public mutating func observe(_ file: ScannedFile, at now: Instant) {
        if let e = pending[file.path], e.file.fingerprint == file.fingerprint { return }
        pending[file.path] = Entry(file: file, since: now)
    }

    /// Forgets a path (deleted, or handed on through a close-write event).
    public mutating func remove(path: String) { pending[path] = nil }

    /// The earliest instant at which `ready` could hand something on.
    public var nextDeadline: Instant? { pending.values.map { $0.since + settle }.min() }

    /// Files whose settle time has passed, re-`stat`ed through `restat`: unchanged ones
    /// are returned (sorted by path) and forgotten, changed ones restart their clock,
    /// vanished ones (restat nil) are forgotten. Cost: one restat per due file.
    public mutating func ready(at now: Instant,
                               restat: (String) -> Fingerprint? = { Fingerprint(ofFileAt: $0) })
        -> [ScannedFile]
    {
        var out: [ScannedFile] = []
        for (path, e) in pending where e.since + settle <= now {
            guard let fp = restat(path) else { pending[path] = nil; continue }
            if fp == e.file.fingerprint {
                out.append(e.file)
                pending[path] = nil
            } else {
                var f = e.file
                f.fingerprint = fp
                pending[path] = Entry(file: f, since: now)
            }
        }
        return out.sorted { $0.relativePath < $1.relativePath }
    }
}

/// Helpers for the pipeline's retry rule.
public enum Settle {
    /// Whether the file at `path` is still being written compared with the fingerprint
    /// it had when it was handed on: true when its size, mtime or inode differ now, or when
    /// its mtime is less than `window` before this machine's clock (a writer may still
    /// hold it open). False when it is gone (nothing to wait for) or unchanged and older.
    /// The pipeline retries a decode failure while this is true and records it otherwise.
    public static func isStillChanging(_ path: String, since fingerprint: Fingerprint,
                                       window: Duration = .seconds(2)) -> Bool {
        guard let now = FileStat.fingerprint(of: path) else { return false }
        if now != fingerprint { return true }
        let age = wallClockNanoseconds() - now.mtimeNanoseconds
        let windowNs = window.components.seconds * 1_000_000_000 + window.components.attoseconds / 1_000_000_000
        return age < windowNs
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func wallClockNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}


