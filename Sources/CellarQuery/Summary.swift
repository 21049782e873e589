import GRDB

/// What one summary row aggregates.
public enum SummaryLevel: String, CaseIterable, Sendable {
    case plate, well, field
}

/// Statistics of one feature over one group (plate, well or field).
public struct SummaryRow: Sendable, Hashable {
    public var plate: String
    /// nil at plate level.
    public var well: String?
    /// Set at field level only.
    public var site: Int?
    public var feature: String
    /// One value per requested statistic (NaN where undefined, e.g. no values).
    public var values: [Double]
}

/// `cellar summary`: exact per-group statistics of features.
public enum Summary {
    /// Statistics of `features` (user-typed names, resolved with suggestions) for every plate,
    /// well or field matching `filter`, in key order, one row per group and feature.
    ///
    /// Reads each field's cells once (a rowid range scan of the field's cells, only the chosen
    /// columns) into one reused buffer per feature, then computes the statistics with
    /// quickselect: O(cells × features) time, O(largest group × features) memory per worker.
    /// Medians and quantiles are exact (linear interpolation between order statistics, as
    /// numpy/pandas). The groups are split in `workers` runs of about equal cell counts, each
    /// read on its own connection of one common snapshot (`readInParallel`).
    public static func compute(_ screen: Screen, filter: FieldFilter = FieldFilter(), features: [String],
                               by level: SummaryLevel = .well,
                               statistics: [Statistic] = Statistic.defaults,
                               workers: Int = Screen.defaultWorkers) throws(QueryError) -> [SummaryRow] {
        guard !features.isEmpty else { throw .invalidArgument("give at least one --feature") }
        let columns = try screen.resolveFeatures(features)
        let parts = try screen.readInParallel(workers: workers) { worker, workers, db in
            let fields = try Screen.fields(filter, db: db).filter { $0.status == "done" }
            var groups: [Range<Int>] = []
            var start = 0
            while start < fields.count {
                var end = start + 1
                while end < fields.count && sameGroup(fields[start], fields[end], level) { end += 1 }
                groups.append(start ..< end)
                start = end
            }
            let share = Self.share(of: groups, worker: worker, workers: workers) { fields[$0].cells }
            return try compute(fields: fields, groups: groups[share], columns: columns, level: level,
                               statistics: statistics, db: db)
        }
        return parts.flatMap { $0 }
    }

    /// Worker `worker`'s contiguous run of `groups`, balanced by the weight `weight(field)` of
    /// their fields (the cells). O(groups).
    static func share(of groups: [Range<Int>], worker: Int, workers: Int, weight: (Int) -> Int) -> Range<Int> {
        guard workers > 1 else { return groups.indices }
        let weights = groups.map { $0.reduce(0) { $0 + weight($1) } + 1 }
        let total = weights.reduce(0, +)
        var lower = groups.count, upper = groups.count
        var cumulative = 0
        for (i, w) in weights.enumerated() {
            // A group belongs to the worker whose share holds the group's midpoint.
            let owner = min(workers - 1, (2 * cumulative + w) * workers / (2 * total))
            if owner == worker && lower == groups.count { lower = i }
            if owner > worker { upper = i; break }
            cumulative += w
        }
        return lower < upper ? lower ..< upper : upper ..< upper
    }

    /// The rows of `groups` (ranges of `fields`), read on `db`.
    private static func compute(fields: [FieldRef], groups: ArraySlice<Range<Int>>, columns: [String],
                                level: SummaryLevel, statistics: [Statistic], db: Database) throws -> [SummaryRow] {
        let cursor = try CellCursor(db: db, columns: columns, objectNumbers: false)
        var buffers = [[Double]](repeating: [], count: columns.count)
        var rowBuffer = [Double](repeating: 0, count: columns.count)
        var out: [SummaryRow] = []
        for group in groups {
            for c in buffers.indices { buffers[c].removeAll(keepingCapacity: true) }
            for field in fields[group] {
                if columns.count == 1 {
                    try cursor.appendColumn(field: field.id, to: &buffers[0])
                } else {
                    try rowBuffer.withUnsafeMutableBufferPointer { row in
                        try cursor.forEach(field: field.id, row: row) { _, row in
                            for c in 0 ..< row.count { buffers[c].append(row[c]) }
                        }
                    }
                }
            }
            let f = fields[group.lowerBound]
            for c in columns.indices {
                let values = Stats.compute(statistics, values: &buffers[c])
                out.append(SummaryRow(plate: f.plate, well: level == .plate ? nil : f.well,
                                      site: level == .field ? f.site : nil, feature: columns[c], values: values))
            }
        }
        return out
    }

    static func sameGroup(_ a: FieldRef, _ b: FieldRef, _ level: SummaryLevel) -> Bool {
        switch level {
        case .plate: a.plate == b.plate
        case .well: a.plate == b.plate && a.row == b.row && a.column == b.column
        case .field: false
        }
    }

    /// Per-well value of one feature (median or mean) for the heatmap, by well position of
    /// `plate`. O(cells of the plate).
    public static func perWellValues(_ screen: Screen, plate: String, feature: String,
                                     statistic: Statistic) throws(QueryError) -> [WellPosition: Double] {
        let rows = try compute(screen, filter: FieldFilter(plate: plate), features: [feature], by: .well,
                               statistics: [statistic])
        var out: [WellPosition: Double] = [:]
        for row in rows {
            guard let well = row.well, let p = WellPosition(parsing: well), !row.values[0].isNaN else { continue }
            out[p] = row.values[0]
        }
        return out
    }
}
