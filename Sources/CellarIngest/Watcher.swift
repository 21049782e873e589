#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Synchronization

/// How the watcher learns about new files.
public enum WatchMode: Sendable, Equatable {
    /// inotify, unless the root is on a network file system (NFS, SMB/CIFS, FUSE) or
    /// inotify cannot be set up (no inotify, watch limit reached): then polling every
    /// `pollInterval`.
    case automatic
    /// inotify only; the stream reports a `.warning` and falls back to polling if it fails.
    case inotify
    /// Poll every `interval`; the mode for network shares, which deliver no inotify events.
    case poll(interval: Duration)
}

/// What the watcher really uses.
public enum WatchBackend: Sendable, Equatable, CustomStringConvertible {
    case inotify
    case poll(interval: Duration)

    public var description: String {
        switch self {
        case .inotify: "inotify"
        case let .poll(i): "polling every \(i.seconds) s"
        }
    }
}

/// Events of a `Watcher`.
public enum WatchEvent: Sendable {
    /// The watcher is set up (watches on every directory, or the poller armed): files
    /// written from now on will be reported. Scan existing files after this event so
    /// none falls between the scan and the watch.
    case started(WatchBackend)
    /// A settled file: closed after writing, moved into place, or unchanged for `settle`.
    /// A file is reported again only when its fingerprint changed.
    case ready(ScannedFile)
    /// The inotify queue overflowed; the watcher re-listed the tree and is settling every
    /// file it found (already reported, unchanged files are not reported again).
    case overflowed
    /// Something the caller should log (an unreadable directory, a fallback to polling).
    case warning(String)
}

/// Watches a folder tree for finished files: inotify (`IN_CLOSE_WRITE`, `IN_MOVED_TO`,
/// `IN_CREATE` of directories, which are then watched recursively, `IN_Q_OVERFLOW` →
/// re-list) or polling. Runs on its own thread (blocking `poll(2)`), never on the
/// cooperative pool; `stop()` or cancelling the consuming task ends it within one
/// wake-up (immediately: a pipe wakes `poll(2)`).
///
/// Hidden, temporary and thumbnail names are never reported (`FileFilter`); in poll
/// mode every existing file is reported once it has settled, in inotify mode only files
/// written after `.started`.
public final class Watcher: Sendable {
    public let root: String
    public let settle: Duration
    public let backend: WatchBackend
    /// Interval of the polling fallback when inotify cannot be set up.
    public let pollInterval: Duration
    let logger: Logger
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let started = Mutex(false)

    /// Decides the backend (see `WatchMode`) without starting anything.
    public init(root: String, mode: WatchMode = .automatic, settle: Duration = .seconds(2),
                pollInterval: Duration = .seconds(2), logger: Logger = Logger(label: "cellar.ingest.watcher")) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.settle = settle
        self.pollInterval = pollInterval
        self.logger = logger
        switch mode {
        case let .poll(interval): backend = .poll(interval: interval)
        case .inotify: backend = .inotify
        case .automatic:
            backend = Self.isNetworkFileSystem(root) ? .poll(interval: pollInterval) : .inotify
        }
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    /// Starts watching and returns the events. Call once; a second call returns a
    /// finished stream. The stream ends after `stop()` or when the consumer stops
    /// iterating (task cancellation).
    public func events() -> AsyncStream<WatchEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
        let first = started.withLock { s in defer { s = true }; return !s }
        guard first else { continuation.finish(); return stream }
        continuation.onTermination = { [weak self] _ in self?.stop() }
        let thread = Thread { [self] in
            run(continuation)
            continuation.finish()
        }
        thread.name = "cellar-watcher"
        thread.start()
        return stream
    }

    /// Asks the watcher thread to end; returns at once. Safe to call from any thread, twice.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Asks for a re-list of the whole tree now (what an inotify overflow triggers; a
    /// daemon may call it on SIGHUP). Files found are settled and reported unless already
    /// reported with the same fingerprint.
    public func rescan() {
        var byte: UInt8 = 2
        _ = write(wakeWrite, &byte, 1)
    }

    enum Wake { case timeoutOrIO, stop, rescan }

    private func run(_ out: AsyncStream<WatchEvent>.Continuation) {
        switch backend {
        case .inotify:
            #if os(Linux)
            var loop = InotifyLoop(watcher: self, out: out)
            if loop.setUp() {
                out.yield(.started(.inotify))
                loop.run()
                return
            }
            out.yield(.warning("inotify unavailable for \(root) (\(loop.setupError)); polling every \(pollInterval.seconds) s"))
            #else
            out.yield(.warning("inotify is Linux-only; polling every \(pollInterval.seconds) s"))
            #endif
            runPoll(interval: pollInterval, out)
        case let .poll(interval):
            runPoll(interval: interval, out)
        }
    }

    /// Poll mode: list the tree every `interval`, settle what changed.
    private func runPoll(interval: Duration, _ out: AsyncStream<WatchEvent>.Continuation) {
        out.yield(.started(.poll(interval: interval)))
        let scanner = Scanner(root: root, layout: nil)
        var tracker = SettleTracker(settle: settle)
        var reported: [String: Fingerprint] = [:]
        var nextList = ContinuousClock.now
        while true {
            let now = ContinuousClock.now
            if now >= nextList {
                let (files, result) = scanner.listFiles()
                for e in result.errors { out.yield(.warning("cannot list \(e)")) }
                var present = Set<String>()
                for f in files {
                    present.insert(f.path)
                    if reported[f.path] != f.fingerprint { tracker.observe(f, at: now) }
                }
                // Forget deleted files so a file written again under the same name is reported.
                reported = reported.filter { present.contains($0.key) }
                nextList = now + interval
            }
            for f in tracker.ready(at: ContinuousClock.now) where reported[f.path] != f.fingerprint {
                reported[f.path] = f.fingerprint
                out.yield(.ready(f))
            }
            var wake = nextList
            if let d = tracker.nextDeadline, d < wake { wake = d }
            switch waitForWake(until: wake) {
            case .stop: return
            case .rescan: nextList = .now
            case .timeoutOrIO: break
            }
        }
    }

    /// Blocks until `deadline`, input on `extraFD`, or a stop/rescan request.
    func waitForWake(until deadline: ContinuousClock.Instant, extraFD: Int32 = -1) -> Wake {
        let remaining = deadline - ContinuousClock.now
        let ms = remaining <= .zero ? 0 : Int32(min(remaining.seconds * 1000 + 1, 60_000))
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: extraFD, events: Int16(POLLIN), revents: 0)]
        let n = poll(&fds, extraFD >= 0 ? 2 : 1, ms)
        guard n > 0, fds[0].revents != 0 else { return .timeoutOrIO }
        var bytes = [UInt8](repeating: 0, count: 64)
        let got = read(wakeRead, &bytes, bytes.count)
        if got > 0, bytes[0..<got].contains(1) {
            stop()  // keep the request pending for any later wait
            return .stop
        }
        return .rescan
    }

    var wakeFD: Int32 { wakeRead }

    /// Whether `path` lies on a network or FUSE file system (NFS, SMB/CIFS, sshfs and other
    /// FUSE, 9p, Ceph, Lustre, AFS, GlusterFS), which deliver no inotify events for remote
    /// writes. Reads the longest matching mount point in `/proc/self/mounts`.
    public static func isNetworkFileSystem(_ path: String) -> Bool {
        guard let type = fileSystemType(of: path) else { return false }
        let t = type.lowercased()
        return t.hasPrefix("nfs") || t.hasPrefix("cifs") || t.hasPrefix("smb") || t.hasPrefix("fuse")
            || ["9p", "ceph", "lustre", "afs", "glusterfs", "gpfs", "beegfs", "davfs"].contains(t)
    }

    /// The file system type (`ext4`, `nfs4`, …) of the mount holding `path`.
    public static func fileSystemType(of path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        let resolved = String(cString: real)
        free(real)
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return nil }
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let point = String(f[1]).replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(f[2])) }
        }
        return best?.type
    }
}
