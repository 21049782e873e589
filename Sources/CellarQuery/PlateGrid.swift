import CellarStore

/// Standard plate formats and the text grid (`cellar counts --grid`, `cellar heatmap --format ascii`).
public struct PlateFormat: Sendable, Hashable {
    public var rows: Int
    public var columns: Int

    public static let well96 = PlateFormat(rows: 8, columns: 12)
    public static let well384 = PlateFormat(rows: 16, columns: 24)
    public static let well1536 = PlateFormat(rows: 32, columns: 48)

    public var wells: Int { rows * columns }

    /// The smallest standard format (96, 384, 1536) holding every position; beyond 1536 the
    /// bounding grid.
    public static func fitting(_ positions: some Sequence<WellPosition>) -> PlateFormat {
        var maxRow = 1, maxColumn = 1
        for p in positions {
            maxRow = max(maxRow, p.row)
            maxColumn = max(maxColumn, p.column)
        }
        for format in [well96, well384, well1536] where maxRow <= format.rows && maxColumn <= format.columns {
            return format
        }
        return PlateFormat(rows: maxRow, columns: maxColumn)
    }

    /// Row label: `A`…`P`, `AA`…`AF`.
    public static func rowLabel(_ row: Int) -> String {
        String(FieldKey.wellName(row: row, column: 1).dropLast(2))
    }
}

/// A plate laid out as rows × columns of text cells.
public enum PlateGrid {
    /// Renders one plate: a header of column numbers, one line per row (`A`…), each well's
    /// text right-aligned; wells without a value show `missing`. O(rows × columns).
    public static func render(title: String, format: PlateFormat, values: [WellPosition: String],
                              missing: String = ".") -> String {
        let width = max(values.values.map(\.count).max() ?? 1, String(format.columns).count, missing.count)
        let labelWidth = PlateFormat.rowLabel(format.rows).count
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = title.isEmpty ? "" : title + "\n"
        out += String(repeating: " ", count: labelWidth)
        for c in 1 ... format.columns { out += " " + pad(String(c), width) }
        out += "\n"
        for r in 1 ... format.rows {
            out += pad(PlateFormat.rowLabel(r), labelWidth)
            for c in 1 ... format.columns {
                out += " " + pad(values[WellPosition(row: r, column: c)] ?? missing, width)
            }
            out += "\n"
        }
        return out
    }

    /// Cells per well as one grid per plate (the view users look at first).
    public static func counts(_ wells: [WellCounts]) -> String {
        var byPlate: [String: [WellCounts]] = [:]
        for w in wells { byPlate[w.plate, default: []].append(w) }
        var out = ""
        for plate in byPlate.keys.sorted() {
            let list = byPlate[plate]!
            let format = PlateFormat.fitting(list.map(\.position))
            var values: [WellPosition: String] = [:]
            for w in list where w.fields > 0 || w.failedFields > 0 {
                values[w.position] = w.fields == 0 ? "F" : String(w.cells)
            }
            let total = list.reduce(0) { $0 + $1.cells }
            let title = "plate \(plate): \(total) cells in \(list.filter { $0.fields > 0 }.count) wells "
                + "(\(format.wells)-well layout; . = no data, F = all fields failed)"
            if !out.isEmpty { out += "\n" }
            out += render(title: title, format: format, values: values)
        }
        return out
    }
}
