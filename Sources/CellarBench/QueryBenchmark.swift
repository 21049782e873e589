import CellarStore
import CellarQuery
import Foundation
import Logging

/// `cellar bench fake-cells N --db DB`: fills a database with N synthetic cells (or reuses an
/// existing one), then times the query paths against the design targets.
public enum QueryBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var cells: Int
        public var fields: Int
        public var fillSeconds: Double?
        public var fileBytes: Int64
        public var countsSeconds: Double
        public var wells: Int
        public var summarySeconds: Double
        public var summaryRows: Int
        public var summaryFeature: String
        public var export: ExportResult
        public var workers: Int

        public var description: String {
            var s = ""
            if let fill = fillSeconds {
                s += String(format: "fill:    %d cells in %d fields, %.1f s (%.0f cells/s)\n",
                            cells, fields, fill, Double(cells) / fill)
            } else {
                s += "fill:    reused the existing database (\(cells) cells, \(fields) fields)\n"
            }
            s += "readers: \(workers) (summary and export)\n"
            s += String(format: "size:    %.2f GB (%.0f bytes/cell)\n", Double(fileBytes) / 1e9, Double(fileBytes) / Double(max(cells, 1)))
            s += String(format: "counts:  cells per well, %d wells: %.1f ms (target < 50 ms)\n", wells, countsSeconds * 1000)
            s += String(format: "summary: %@ per well (count, mean, sd, median, q25, q75, min, max, mad), %d wells: %.2f s (target < 2 s)\n",
                        summaryFeature, summaryRows, summarySeconds)
            s += String(format: "export:  %d cell rows × all features to CSV (/dev/null), %.2f GB: %.2f s, %.2f M rows/s (target ≥ 1 M rows/s)\n",
                        export.rows, Double(export.bytes) / 1e9, export.seconds, export.rowsPerSecond / 1e6)
            return s
        }
    }

    /// Fills `path` when it does not exist, then times: counts per well (all plates), a
    /// one-feature per-well summary with every statistic (all plates), and a cell-level CSV
    /// export of everything to `/dev/null`.
    public static func run(path: String, cells: Int, masks: Bool = false, workers: Int = Screen.defaultWorkers,
                           logger: Logger = Logger(label: "cellar.bench")) async throws(QueryError) -> Result {
        var fillSeconds: Double? = nil
        if !FileManager.default.fileExists(atPath: path) {
            fillSeconds = try await FakeCells.fill(path: path, cells: cells, masks: masks, logger: logger).seconds
        }
        let screen = try Screen.open(path, logger: logger)
        let fields = try Counts.perField(screen)
        let total = fields.reduce(0) { $0 + $1.cells }

        // Warm the page cache once so every figure is a warm-cache figure.
        _ = try Counts.perWell(screen)
        var t = DispatchTime.now()
        let wells = try Counts.perWell(screen)
        let countsSeconds = elapsed(t)

        let feature = "Nuclei_AreaShape_Area"
        t = DispatchTime.now()
        let summary = try Summary.compute(screen, features: [feature], by: .well, workers: workers)
        let summarySeconds = elapsed(t)

        let export = try Export.run(screen, ExportOptions(), to: "/dev/null", workers: workers)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        return Result(cells: total, fields: fields.count, fillSeconds: fillSeconds, fileBytes: bytes ?? 0,
                      countsSeconds: countsSeconds, wells: wells.count, summarySeconds: summarySeconds,
                      summaryRows: summary.count, summaryFeature: feature, export: export, workers: workers)
    }

    static func elapsed(_ t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }
}
