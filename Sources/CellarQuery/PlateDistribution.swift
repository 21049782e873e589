import CellarStore
import GRDB

/// One feature over a plate: the per-well statistic (what the heatmap colours) and the
/// distribution as histograms on common bins, for the plate and for each well.
public struct PlateDistribution: Sendable {
    public var plate: String
    public var feature: String
    public var statistic: Statistic
    /// Per-well statistic; wells without a value (no cells, all NULL) are absent.
    public var values: [WellPosition: Double]
    /// Non-missing values per well.
    public var counts: [WellPosition: Int]
    /// `bins + 1` increasing bin edges spanning the 0.5–99.5 % range of the wells' values;
    /// values outside fall into the first or last bin.
    public var edges: [Double]
    /// Cells per bin over the whole plate.
    public var plateHistogram: [Int]
    /// Cells per bin of each well.
    public var wellHistograms: [WellPosition: [Int]]
}

extension PlateDistribution {
    /// Reads `feature` (a resolved or user-typed name) for every done field of `plate`, one
    /// well at a time on `workers` connections of one snapshot (like `Summary`), keeps the
    /// values as `Float` (4 bytes per cell) to bin them once the range is known.
    /// O(cells of the plate) time and memory.
    public static func compute(_ screen: Screen, plate: String, feature: String, statistic: Statistic = .median,
                               bins: Int = 40, workers: Int = Screen.defaultWorkers) throws(QueryError) -> PlateDistribution {
        guard statistic == .median || statistic == .mean else {
            throw .invalidArgument("statistic must be median or mean, got \(statistic.rawValue)")
        }
        let bins = min(max(bins, 1), 1000)
        let column = try screen.resolveFeatures([feature])[0]
        struct WellPart: Sendable {
            var position: WellPosition
            var value: Double
            var low: Double
            var high: Double
            var values: [Float]
        }
        let parts = try screen.readInParallel(workers: workers) { worker, workers, db in
            let fields = try Screen.fields(FieldFilter(plate: plate), db: db).filter { $0.status == "done" }
            var groups: [Range<Int>] = []
            var start = 0
            while start < fields.count {
                var end = start + 1
                while end < fields.count && Summary.sameGroup(fields[start], fields[end], .well) { end += 1 }
                groups.append(start ..< end)
                start = end
            }
            let share = Summary.share(of: groups, worker: worker, workers: workers) { fields[$0].cells }
            let cursor = try CellCursor(db: db, columns: [column], objectNumbers: false)
            var buffer: [Double] = []
            var out: [WellPart] = []
            for group in groups[share] {
                buffer.removeAll(keepingCapacity: true)
                for field in fields[group] { try cursor.appendColumn(field: field.id, to: &buffer) }
                let kept = buffer.filter { !$0.isNaN }
                guard !kept.isEmpty else { continue }
                let floats = kept.map { Float($0) }
                var work = kept
                let stats = Stats.compute([statistic, .min, .max], values: &work)
                var low = stats[1], high = stats[2]
                if kept.count >= 200 {
                    work.withUnsafeMutableBufferPointer { v in
                        low = Stats.quantile(v, 0.005)
                        high = Stats.quantile(v, 0.995)
                    }
                }
                let f = fields[group.lowerBound]
                out.append(WellPart(position: WellPosition(row: f.row, column: f.column), value: stats[0],
                                    low: low, high: high, values: floats))
            }
            return out
        }
        let wells = parts.flatMap { $0 }
        var lo = wells.map(\.low).min() ?? 0, hi = wells.map(\.high).max() ?? 1
        if !(hi > lo) { lo -= 0.5; hi += 0.5 }
        let edges = (0 ... bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
        var plateHistogram = [Int](repeating: 0, count: bins)
        var wellHistograms: [WellPosition: [Int]] = [:]
        var values: [WellPosition: Double] = [:]
        var counts: [WellPosition: Int] = [:]
        let scale = Double(bins) / (hi - lo)
        for well in wells {
            var histogram = [Int](repeating: 0, count: bins)
            well.values.withUnsafeBufferPointer { v in
                for x in v {
                    let b = Int((Double(x) - lo) * scale)
                    histogram[min(max(b, 0), bins - 1)] += 1
                }
            }
            for b in 0 ..< bins { plateHistogram[b] += histogram[b] }
            wellHistograms[well.position] = histogram
            values[well.position] = well.value
            counts[well.position] = well.values.count
        }
        return PlateDistribution(plate: plate, feature: column, statistic: statistic, values: values, counts: counts,
                                 edges: edges, plateHistogram: plateHistogram, wellHistograms: wellHistograms)
    }
}

/// Robust z-scores of per-well values: (v − median) / (1.4826 · MAD) over the plate's wells.
public enum RobustZ {
    /// The z-score of every value; all 0 when the MAD is 0 (fewer than two distinct values).
    /// O(wells).
    public static func scores<K: Hashable>(_ values: [K: Double]) -> [K: Double] {
        var all = Array(values.values)
        guard let median = Stats.median(&all) else { return [:] }
        var deviations = values.values.map { abs($0 - median) }
        let mad = (Stats.median(&deviations) ?? 0) * 1.4826
        return values.mapValues { mad > 0 ? ($0 - median) / mad : 0 }
    }
}
