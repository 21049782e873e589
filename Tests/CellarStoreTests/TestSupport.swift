import CellarBench
import CellarStore
import CellarTestSupport
import Foundation

/// A fresh temporary directory, removed by `cleanup()`.
struct TempDir {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "cellar-store-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func cleanup() {
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }
}

enum Probe {
    /// The `cellar-store-probe` executable built beside the test bundle (or $CELLAR_STORE_PROBE).
    static var path: String { TestEnvironment.builtExecutable("cellar-store-probe", override: "CELLAR_STORE_PROBE") }

    /// Starts the probe with `arguments`; stdout is a pipe, stdin a pipe the caller can close.
    static func start(_ arguments: [String]) throws -> RunningProbe {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        return RunningProbe(process: process, stdout: out.fileHandleForReading, stdin: input.fileHandleForWriting)
    }

    /// Runs the probe to completion and returns (exit status, stdout).
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let probe = try start(arguments)
        try? probe.stdin.close()
        let data = probe.stdout.readDataToEndOfFile()
        probe.process.waitUntilExit()
        return (probe.process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

struct RunningProbe {
    let process: Process
    let stdout: FileHandle
    let stdin: FileHandle

    /// Reads stdout up to the next newline (blocking).
    func readLine() -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = stdout.readData(ofLength: 1)
            if chunk.isEmpty || chunk.first == UInt8(ascii: "\n") { break }
            bytes.append(chunk.first!)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

let testRun = RunInfo(version: "test", parametersJSON: #"{"sigma":2}"#, parametersHash: "h1")

/// Writes `fields` synthetic fields of `cells` cells each through one writer.
func writeFields(_ store: Store, keys: [FieldKey], cells: Int, run: RunInfo = testRun,
                 seed: UInt64 = 1) async throws -> WriterSummary {
    let columns = try store.featureColumns()
    let writer = try store.makeWriter(run: run)
    for (i, key) in keys.enumerated() {
        try await writer.submit(SyntheticField.make(key: key, cells: cells, columns: columns,
                                                    seed: seed + UInt64(i)))
    }
    return try await writer.finish()
}

func keys(plate: String = "P1", count: Int) -> [FieldKey] {
    (0 ..< count).map { i in FieldKey(plate: plate, row: i / 12 % 8 + 1, column: i % 12 + 1, site: i / 96 + 1) }
}

/// Reads a `-wal` file's frame headers: how many frames of the current WAL generation end in a
/// commit, and how many follow the last commit (a transaction in progress, spilled to the WAL).
enum WALInspector {
    static func tail(_ databasePath: String) -> (committed: Int, uncommitted: Int) {
        guard let handle = FileHandle(forReadingAtPath: databasePath + "-wal") else { return (0, 0) }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 32), header.count == 32 else { return (0, 0) }
        func u32(_ d: Data, _ o: Int) -> UInt32 {
            d[d.startIndex + o ..< d.startIndex + o + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let pageSize = Int(u32(header, 8))
        let salt1 = u32(header, 16), salt2 = u32(header, 20)
        guard pageSize >= 512 else { return (0, 0) }
        var offset = 32
        var frames = 0, lastCommit = 0
        while true {
            guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
                  let frame = try? handle.read(upToCount: 24), frame.count == 24,
                  u32(frame, 8) == salt1, u32(frame, 12) == salt2 else { break }
            frames += 1
            if u32(frame, 4) != 0 { lastCommit = frames }
            offset += 24 + pageSize
        }
        return (lastCommit, frames - lastCommit)
    }
}
