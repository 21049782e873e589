import CellarImage
import CellarSynth
import CellarTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory (0755), removed by `cleanup()`.
struct TempDir {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-rel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
    }
    func cleanup() {
        _ = chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }
    func file(_ rel: String) -> String { path + "/" + rel }
    func mkdir(_ rel: String) throws {
        try FileManager.default.createDirectory(atPath: file(rel), withIntermediateDirectories: true)
    }
    func write(_ rel: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(rel)))
    }
}

/// The `cellar` executable built beside the test bundle (or `$CELLAR_BINARY`).
enum Cellar {
    static var path: String { TestEnvironment.builtExecutable("cellar", override: "CELLAR_BINARY") }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        /// Peak resident memory of the child, KiB (from `wait4`).
        var maxRSSKiB: Int
    }

    /// `setpriv` prefix that runs the child as `nobody` when we are root (where mode 000 does
    /// not stop reads); nil when unavailable, or when nobody cannot run the binary (e.g. a
    /// checkout under /root).
    static let dropPrivileges: [String]? = {
        guard getuid() == 0 else { return [] }
        for dir in ["/usr/bin", "/bin", "/usr/sbin"] where FileManager.default.isExecutableFile(atPath: dir + "/setpriv") {
            let prefix = [dir + "/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            guard let probe = try? run(["--help"], prefix: prefix, timeout: 60), probe.status == 0 else { return nil }
            return prefix
        }
        return nil
    }()

    /// Runs `cellar arguments` (after `prefix`), kills it after `timeout` seconds.
    static func run(_ arguments: [String], prefix: [String] = [], timeout: Double = 180,
                    environment: [String: String] = [:], onStderrLine: (@Sendable (String) -> Void)? = nil) throws -> Result {
        let argv = prefix + [path] + arguments
        var pid: pid_t = 0
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXError(.EMFILE) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, outPipe[0])
        posix_spawn_file_actions_addclose(&actions, errPipe[0])
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else { close(outPipe[0]); close(errPipe[0]); throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT) }
        // Readers on their own threads so a chatty child never blocks on a full pipe.
        let out = Collector(fd: outPipe[0], onLine: nil), err = Collector(fd: errPipe[0], onLine: onStderrLine)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0, usage = rusage(), timedOut = false
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if Date() > deadline, !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(20_000)
        }
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, stdout: out.finish(), stderr: err.finish(), timedOut: timedOut, maxRSSKiB: Int(usage.ru_maxrss))
    }
}

/// Drains a pipe on a thread; `finish()` waits for EOF and returns the text.
final class Collector: @unchecked Sendable {  // `data` is written by the thread, read after `done` is signalled
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    init(fd: Int32, onLine: (@Sendable (String) -> Void)?) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var pending = Data()
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
                if n <= 0 { break }
                data.append(contentsOf: buffer[0 ..< n])
                if let onLine {
                    pending.append(contentsOf: buffer[0 ..< n])
                    while let nl = pending.firstIndex(of: 0x0a) {
                        onLine(String(decoding: pending[pending.startIndex ..< nl], as: UTF8.self))
                        pending = Data(pending[(nl + 1)...])
                    }
                }
            }
            close(fd)
            done.signal()
        }
    }
    func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A small valid synthetic field (16-bit, `size`², ~15 nuclei at 256) as TIFF bytes.
func syntheticTIFF(well: String, site: Int = 1, size: Int = 256, at path: String) throws {
    let field = synthesizeField(plate: "P1", well: well, site: site, seed: 7, size: size)
    try ImageFile.writeTIFF(field.image, to: path)
}

/// Minimal little-endian classic TIFF builder: one IFD of SHORT/LONG entries, then the data.
struct TinyTIFF {
    var entries: [(tag: UInt16, type: UInt16, value: UInt32)] = []
    var data: [UInt8] = []

    /// Bytes with the IFD at offset 8 and `data` after it; StripOffsets (273) points at the data.
    func bytes() -> [UInt8] {
        var all = entries
        let ifdSize = 2 + 12 * (all.count + 1) + 4
        all.append((273, 4, UInt32(8 + ifdSize)))
        all.sort { $0.tag < $1.tag }
        var b: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func le(_ v: UInt32, _ n: Int) { for i in 0 ..< n { b.append(UInt8(v >> (8 * UInt32(i)) & 0xff)) } }
        le(UInt32(all.count), 2)
        for e in all {
            le(UInt32(e.tag), 2); le(UInt32(e.type), 2); le(1, 4)
            if e.type == 3 { le(e.value, 2); le(0, 2) } else { le(e.value, 4) }
        }
        le(0, 4)
        return b + data
    }

    /// A 1-bit min-is-black page: `bits[y][x]` set = white.
    static func bilevel(_ bits: [[Bool]]) -> [UInt8] {
        let h = bits.count, w = bits[0].count, rowBytes = (w + 7) / 8
        var data = [UInt8](repeating: 0, count: rowBytes * h)
        for y in 0 ..< h { for x in 0 ..< w where bits[y][x] { data[y * rowBytes + x / 8] |= 0x80 >> UInt8(x % 8) } }
        return TinyTIFF(entries: [(256, 4, UInt32(w)), (257, 4, UInt32(h)), (258, 3, 1), (259, 3, 1), (262, 3, 1),
                                  (277, 3, 1), (278, 4, UInt32(h)), (279, 4, UInt32(data.count))], data: data).bytes()
    }

    /// A header claiming `side` × `side` 16-bit pixels with almost no data.
    static func huge(side: UInt32) -> [UInt8] {
        TinyTIFF(entries: [(256, 4, side), (257, 4, side), (258, 3, 16), (259, 3, 1), (262, 3, 1),
                           (278, 4, side), (279, 4, 2_000_000_000)], data: [0, 0, 0, 0]).bytes()
    }
}
