import CellarImage
import CellarTestSupport
import Foundation
@testable import CellarIngest

#if canImport(Glibc)
import Glibc
#endif

/// The repository's test corpus (`Tests/Corpus`).
let corpus = TestEnvironment.corpus

/// A fresh temporary directory, removed by `cleanup()`.
struct TempDir {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-ingest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
    func mkdir(_ rel: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + rel, withIntermediateDirectories: true)
    }
    /// Writes `bytes` in place with open/write/close.
    func write(_ rel: String, _ bytes: [UInt8]) {
        let fd = open(path + "/" + rel, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(rel)")
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    /// Writes to a hidden temporary name, then renames into place.
    func writeThenRename(_ rel: String, _ bytes: [UInt8]) {
        let dir = (rel as NSString).deletingLastPathComponent
        let tmpRel = (dir.isEmpty ? "" : dir + "/") + ".\((rel as NSString).lastPathComponent).part"
        write(tmpRel, bytes)
        precondition(rename(path + "/" + tmpRel, path + "/" + rel) == 0)
    }
}

/// The bytes of a small real 16-bit TIFF (`seed` varies the content).
func tiffBytes(width: Int = 64, height: Int = 48, seed: UInt16 = 1) throws -> [UInt8] {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-tiff-\(UUID().uuidString).tif").path
    defer { try? FileManager.default.removeItem(atPath: tmp) }
    let pixels = (0..<(width * height)).map { UInt16(truncatingIfNeeded: $0 &* 37 &+ Int(seed)) }
    try ImageFile.writeTIFF(Image(width: width, height: height, pixels: pixels), to: tmp)
    return Array(try Data(contentsOf: URL(fileURLWithPath: tmp)))
}

/// Collects a watcher's or source's events on a task; `waitFor` polls until a
/// condition holds or a generous deadline passes (a failure bound, not a timing check).
actor EventLog<E: Sendable> {
    private(set) var events: [E] = []
    func append(_ e: E) { events.append(e) }

    func waitFor(_ seconds: Double = 20, _ condition: @Sendable ([E]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition(events) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(events)
    }
}

func collect<E: Sendable>(_ stream: AsyncStream<E>) -> (EventLog<E>, Task<Void, Never>) {
    let log = EventLog<E>()
    let task = Task { for await e in stream { await log.append(e) } }
    return (log, task)
}

extension WatchEvent {
    var readyFile: ScannedFile? { if case let .ready(f) = self { f } else { nil } }
    var isStarted: Bool { if case .started = self { true } else { false } }
}

extension IngestEvent {
    var field: AssembledField? { if case let .field(f) = self { f } else { nil } }
}
