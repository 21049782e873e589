#if os(Linux)
import Glibc
import SystemPackage

// inotify(7) constants (sys/inotify.h), spelled out so they do not depend on how the
// C macros import.
private let inModify: UInt32 = 0x0000_0002
private let inCloseWrite: UInt32 = 0x0000_0008
private let inMovedFrom: UInt32 = 0x0000_0040
private let inMovedTo: UInt32 = 0x0000_0080
private let inCreate: UInt32 = 0x0000_0100
private let inDelete: UInt32 = 0x0000_0200
private let inDeleteSelf: UInt32 = 0x0000_0400
private let inMoveSelf: UInt32 = 0x0000_0800
private let inQOverflow: UInt32 = 0x0000_4000
private let inIgnored: UInt32 = 0x0000_8000
private let inOnlyDir: UInt32 = 0x0100_0000
private let inIsDir: UInt32 = 0x4000_0000
private let inNonBlock: Int32 = 0o4000
private let inCloExec: Int32 = 0o2000000

private let watchMask = inCloseWrite | inMovedTo | inMovedFrom | inCreate | inDelete
    | inDeleteSelf | inMoveSelf | inOnlyDir

/// The inotify event loop, owned by the watcher's thread.
struct InotifyLoop {
    let watcher: Watcher
    let out: AsyncStream<WatchEvent>.Continuation
    private var fd: Int32 = -1
    /// Watch descriptor → directory path relative to the root ("" = root).
    private var dirs: [Int32: String] = [:]
    private var tracker: SettleTracker
    private var reported: [String: Fingerprint] = [:]
    private(set) var setupError = ""
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(watcher: Watcher, out: AsyncStream<WatchEvent>.Continuation) {
        self.watcher = watcher
        self.out = out
        tracker = SettleTracker(settle: watcher.settle)
    }

    private var root: String { watcher.root }

    private func absolute(_ rel: String) -> String { rel.isEmpty ? root : root + "/" + rel }

    /// Creates the inotify instance and watches every directory. False (with
    /// `setupError`) when inotify or the root's watch cannot be had.
    mutating func setUp() -> Bool {
        fd = inotify_init1(inNonBlock | inCloExec)
        guard fd >= 0 else { setupError = "\(Errno(rawValue: errno))"; return false }
        guard addWatch("") else {
            setupError = "\(Errno(rawValue: errno))"
            close(fd); fd = -1
            return false
        }
        addTree("", settleFiles: false, skipRoot: true)
        return true
    }

    /// One watch; false when the kernel refuses (ENOSPC: max_user_watches reached).
    private mutating func addWatch(_ rel: String) -> Bool {
        let wd = inotify_add_watch(fd, absolute(rel), watchMask)
        guard wd >= 0 else { return false }
        dirs[wd] = rel
        return true
    }

    /// Watches `rel` and every directory below it (symlinked directories followed, each
    /// (device, inode) once); with `settleFiles`, files already there go to the settle
    /// tracker (they may have been written before the watch existed).
    /// `relist` (after an overflow) walks into directories already watched too.
    private mutating func addTree(_ rel: String, settleFiles: Bool, skipRoot: Bool = false, relist: Bool = false) {
        var visited = relist
            ? Set([FileStat.directoryID(of: absolute(rel))].compactMap { $0 })
            : Set(dirs.values.compactMap { FileStat.directoryID(of: absolute($0)) })
        var stack = [rel]
        let now = ContinuousClock.now
        while let d = stack.popLast() {
            if !(skipRoot && d == rel) {
                if !addWatch(d) {
                    out.yield(.warning("cannot watch \(absolute(d)): \(Errno(rawValue: errno)); files there are found only by a rescan"))
                    continue
                }
            }
            let names: [String]
            do { names = try Scanner.listDirectory(absolute(d)) } catch {
                out.yield(.warning("cannot list \(absolute(d)): \(error)"))
                continue
            }
            for name in names.sorted() where !FileFilter.isIgnored(name: name) {
                let child = d.isEmpty ? name : d + "/" + name
                if let id = FileStat.directoryID(of: absolute(child)) {
                    if visited.insert(id).inserted { stack.append(child) }
                } else if settleFiles, let f = ScannedFile.stat(path: absolute(child), relativePath: child),
                          reported[f.path] != f.fingerprint {
                    tracker.observe(f, at: now)
                }
            }
        }
    }

    mutating func run() {
        defer { close(fd) }
        while true {
            let deadline = tracker.nextDeadline ?? (ContinuousClock.now + .seconds(60))
            switch watcher.waitForWake(until: deadline, extraFD: fd) {
            case .stop: return
            case .rescan: addTree("", settleFiles: true, skipRoot: true, relist: true)
            case .timeoutOrIO: break
            }
            drainEvents()
            for f in tracker.ready(at: ContinuousClock.now) { report(f) }
        }
    }

    private mutating func report(_ f: ScannedFile) {
        guard reported[f.path] != f.fingerprint else { return }
        reported[f.path] = f.fingerprint
        out.yield(.ready(f))
    }

    /// Reads and handles every queued event.
    private mutating func drainEvents() {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            var events: [(wd: Int32, mask: UInt32, name: String)] = []
            buffer.withUnsafeBytes { raw in
                var off = 0
                while off + 16 <= n {
                    let wd = raw.loadUnaligned(fromByteOffset: off, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: off + 4, as: UInt32.self)
                    let len = Int(raw.loadUnaligned(fromByteOffset: off + 12, as: UInt32.self))
                    let nameBytes = raw[(off + 16)..<min(off + 16 + len, n)].prefix { $0 != 0 }
                    events.append((wd, mask, String(decoding: nameBytes, as: UTF8.self)))
                    off += 16 + len
                }
            }
            for e in events { handle(wd: e.wd, mask: e.mask, name: e.name) }
        }
    }

    private mutating func handle(wd: Int32, mask: UInt32, name: String) {
        if mask & inQOverflow != 0 {
            out.yield(.overflowed)
            addTree("", settleFiles: true, skipRoot: true, relist: true)
            return
        }
        if mask & inIgnored != 0 { dirs[wd] = nil; return }
        guard let dir = dirs[wd], !name.isEmpty, !FileFilter.isIgnored(name: name) else { return }
        let rel = dir.isEmpty ? name : dir + "/" + name
        let path = absolute(rel)
        if mask & inIsDir != 0 {
            if mask & (inCreate | inMovedTo) != 0 {
                addTree(rel, settleFiles: true)
            } else if mask & inMovedFrom != 0 {
                // The directory left the tree: its watches are stale until IN_IGNORED/rescan.
                dirs = dirs.filter { !($0.value == rel || $0.value.hasPrefix(rel + "/")) }
            }
            return
        }
        if mask & (inCloseWrite | inMovedTo) != 0 {
            tracker.remove(path: path)
            if let f = ScannedFile.stat(path: path, relativePath: rel) { report(f) }
        } else if mask & inCreate != 0 {
            // A symlink appears complete without a close-write: settle it. A regular file
            // is not tracked here: a writer pausing longer than `settle` would get it
            // handed on half-written; its IN_CLOSE_WRITE reports it.
            var st = stat()
            if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK,
               let f = ScannedFile.stat(path: path, relativePath: rel) {
                tracker.observe(f, at: .now)
            }
        } else if mask & (inDelete | inMovedFrom) != 0 {
            tracker.remove(path: path)
            reported[path] = nil
        }
    }
}
#endif
