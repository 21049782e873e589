import CellarBench
import CellarMeasure
import CellarQuery
import CellarStore
import CellarTestSupport
import Foundation

/// Python cross-checks with ``TestEnvironment/python``. Tests that need it run when it exists
/// or under CI (then its absence fails).
enum PythonEnv {
    static let packageRoot = URL(fileURLWithPath: TestEnvironment.packageRoot)
    static var enabled: Bool { TestEnvironment.python != nil || TestEnvironment.isCI }

    /// pycytominer's venv (`make test-interop` sets `CELLAR_INTEROP_PYTHON`).
    static var interop: String? {
        ProcessInfo.processInfo.environment["CELLAR_INTEROP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs `script` with `args` (with `python`, default the test interpreter); returns stdout.
    static func run(script: String, args: [String], python: String? = nil) throws -> String {
        String(decoding: try TestEnvironment.runPython(script, args: args, python: python), as: UTF8.self)
    }
}

/// A temporary directory removed when the value is released.
final class TempDir: Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-query-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Test databases written through the store's writer with synthetic fields.
enum TestDB {
    /// A database with `fields` fields of FakeCells (field index i → FakeCells.key(i, sites:)),
    /// `cells(i)` cells each, masks when asked, plus `failed` failed fields.
    static func make(at path: String, fields: Int, sites: Int = 3, masks: Bool = false,
                     cells: (Int) -> Int = { 20 + ($0 * 7) % 13 },
                     failed: [FieldKey] = []) async throws -> Store {
        let store = try Store.create(at: path)
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: RunInfo(version: "test", parametersJSON: "{}", parametersHash: "t"))
        for i in 0 ..< fields {
            try await writer.submit(FakeCells.field(i, cells: cells(i), columns: columns, sites: sites, masks: masks))
        }
        for key in failed {
            try await writer.submit(failure: FailureRecord(path: "/bad/\(key.plate)_\(key.wellName)_\(key.site).tif",
                                                           reason: "unreadable", field: key))
        }
        _ = try await writer.finish()
        return store
    }

    /// Creates, closes, and reopens read-only as a `Screen`.
    static func screen(_ dir: TempDir, fields: Int, sites: Int = 3, masks: Bool = false,
                       cells: (Int) -> Int = { 20 + ($0 * 7) % 13 }, failed: [FieldKey] = []) async throws -> (Screen, String) {
        let path = dir.file("screen.db")
        let store = try await make(at: path, fields: fields, sites: sites, masks: masks, cells: cells, failed: failed)
        try store.close()
        return (try Screen.open(path), path)
    }
}
