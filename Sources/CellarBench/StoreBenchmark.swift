import CellarStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Logging

/// `cellar bench store`: inserts synthetic cells with masks through the writer and measures
/// the insert rate and the database size per cell.
public enum StoreBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var cells: Int
        public var fields: Int
        public var transactions: Int
        /// Wall-clock seconds from the first submit to the last commit.
        public var seconds: Double
        public var cellsPerSecond: Double
        /// CPU seconds (user + system, all threads) the process spent in that interval: on a
        /// shared machine `cells / cpuSeconds` is the rate one free core would give.
        public var cpuSeconds: Double
        /// Database file size after a WAL checkpoint.
        public var fileBytes: Int64
        public var bytesPerCell: Double
        /// Mean RLE blob size of the masks.
        public var rleBytesPerCell: Double
        /// Bytes per table/index from the `dbstat` virtual table (empty if SQLite lacks it).
        public var tableBytes: [(name: String, bytes: Int64)]

        public var description: String {
            var text = String(format: "store: %d cells in %d fields (%d transactions), %.2f s: %.0f cells/s\n",
                              cells, fields, transactions, seconds, cellsPerSecond)
            text += String(format: "cpu: %.2f s (user+sys): %.0f cells per CPU second\n",
                           cpuSeconds, Double(cells) / max(cpuSeconds, 1e-9))
            text += String(format: "size: %lld bytes, %.1f bytes/cell (mask RLE %.1f bytes/cell)\n",
                           fileBytes, bytesPerCell, rleBytesPerCell)
            for (name, bytes) in tableBytes {
                let padded = name.padding(toLength: max(name.count, 26), withPad: " ", startingAt: 0)
                text += "  " + padded + String(format: " %12lld bytes  %7.1f bytes/cell\n",
                                                bytes, Double(bytes) / Double(max(cells, 1)))
            }
            return text
        }
    }

    /// Writes `cells` synthetic cells (in fields of `cellsPerField`, submitted by `producers`
    /// concurrent tasks) into a new database at `path` (a temporary file, deleted afterwards,
    /// when nil). Times submission through the final commit. O(cells × columns).
    public static func run(path: String? = nil, cells: Int = 1_000_000, cellsPerField: Int = 250,
                           producers: Int = 2, logger: Logger = Logger(label: "cellar.store.bench"))
        async throws(StoreError) -> Result
    {
        let temporary = path == nil
        let dbPath = path ?? NSTemporaryDirectory() + "cellar-bench-\(getpid()).db"
        if FileManager.default.fileExists(atPath: dbPath) {
            if temporary { removeDatabase(dbPath) } else {
                throw .sqlite(path: dbPath, code: -1, message: "exists; the benchmark writes a new database")
            }
        }
        defer { if temporary { removeDatabase(dbPath) } }

        let store = try Store.create(at: dbPath, logger: logger)
        let columns = try store.featureColumns()
        let templates = (0 ..< 16).map { i in
            SyntheticField.make(key: FieldKey(plate: "T", row: 1, column: 1, site: 1), cells: cellsPerField,
                                columns: columns, seed: UInt64(i + 1))
        }
        let rleBytes = templates.reduce(0) { $0 + $1.masks.rleBytes.count }
        let fieldCount = (cells + cellsPerField - 1) / cellsPerField
        let writer = try store.makeWriter(run: RunInfo(version: "bench", parametersJSON: "{}", parametersHash: "bench"))

        let cpuStart = processCPUSeconds()
        let start = DispatchTime.now()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0 ..< max(1, producers) {
                    group.addTask {
                        var index = p
                        while index < fieldCount {
                            var field = templates[index % templates.count]
                            field.key = benchKey(index)
                            try await writer.submit(field)
                            index += max(1, producers)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            throw (error as? StoreError) ?? .writerClosed(reason: "\(error)")
        }
        let summary = try await writer.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let cpuSeconds = processCPUSeconds() - cpuStart

        let tables = try await store.checkpointAndTableSizes()
        let fileBytes = ((try? FileManager.default.attributesOfItem(atPath: dbPath))?[.size] as? Int64) ?? 0
        try store.close()
        return Result(cells: summary.cells, fields: summary.fields, transactions: summary.transactions,
                      seconds: seconds, cellsPerSecond: Double(summary.cells) / seconds, cpuSeconds: cpuSeconds,
                      fileBytes: fileBytes, bytesPerCell: Double(fileBytes) / Double(max(summary.cells, 1)),
                      rleBytesPerCell: Double(rleBytes) / Double(templates.count * cellsPerField),
                      tableBytes: tables)
    }

    /// Field `index` of the benchmark: 384-well plates of 9 sites, `BENCH1`, `BENCH2`, ….
    static func benchKey(_ index: Int) -> FieldKey {
        let perPlate = 16 * 24 * 9
        let plate = index / perPlate, rest = index % perPlate
        let well = rest / 9, site = rest % 9
        return FieldKey(plate: "BENCH\(plate + 1)", row: well / 24 + 1, column: well % 24 + 1, site: site + 1)
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)  // Glibc imports RUSAGE_SELF as an enum
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm", ".lock"] { unlink(path + suffix) }
    }
}
