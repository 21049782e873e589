import CellarImage
import Foundation

/// What a heatmap shows per well.
public enum HeatmapValue: Sendable, Hashable {
    /// Cells per well (from `field.cell_count`).
    case cells
    /// A per-well statistic (median or mean) of a feature over the well's cells.
    case feature(String, Statistic)

    /// Parses `cells`, `FEATURE`, `FEATURE:median` or `FEATURE:mean`.
    public init(parsing text: String) throws(QueryError) {
        if text == "cells" { self = .cells; return }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        var statistic = Statistic.median
        if parts.count == 2 {
            guard let s = Statistic(rawValue: parts[1]), s == .median || s == .mean else {
                throw .invalidArgument("--value FEATURE:median or FEATURE:mean, got ':\(parts[1])'")
            }
            statistic = s
        }
        self = .feature(parts[0], statistic)
    }
}

/// Per-well values of one plate, ready to draw.
public struct PlateValues: Sendable {
    public var plate: String
    public var format: PlateFormat
    /// What the values are, e.g. `cells per well`, `median Nuclei_AreaShape_Area`.
    public var label: String
    public var values: [WellPosition: Double]
    /// Wells that have fields but none done (all failed).
    public var failed: Set<WellPosition>

    public init(plate: String, format: PlateFormat, label: String, values: [WellPosition: Double],
                failed: Set<WellPosition> = []) {
        self.plate = plate
        self.format = format
        self.label = label
        self.values = values
        self.failed = failed
    }
}

/// `cellar heatmap`: a plate map (PNG or terminal text) of a per-well value.
public enum Heatmap {
    /// Reads the per-well values of `plate`. Cells: O(fields); a feature: O(cells of the plate).
    public static func values(_ screen: Screen, plate: String, value: HeatmapValue) throws(QueryError) -> PlateValues {
        let wells = try Counts.perWell(screen, FieldFilter(plate: plate))
        let format = PlateFormat.fitting(wells.map(\.position))
        let failed = Set(wells.filter { $0.fields == 0 && $0.failedFields > 0 }.map(\.position))
        switch value {
        case .cells:
            var values: [WellPosition: Double] = [:]
            for w in wells where w.fields > 0 { values[w.position] = Double(w.cells) }
            return PlateValues(plate: plate, format: format, label: "cells per well", values: values, failed: failed)
        case .feature(let name, let statistic):
            let column = try screen.resolveFeatures([name])[0]
            let values = try Summary.perWellValues(screen, plate: plate, feature: column, statistic: statistic)
            return PlateValues(plate: plate, format: format, label: "\(statistic.rawValue) \(column)",
                               values: values, failed: failed)
        }
    }

    /// Writes the plate map as an 8-bit RGB PNG. O(image pixels).
    public static func writePNG(_ plate: PlateValues, to path: String) throws(QueryError) {
        let canvas = render(plate)
        do {
            try ImageFile.writePNGRGB(canvas.rgb, width: canvas.width, height: canvas.height, to: path)
        } catch {
            throw .output(path: path, reason: "\(error)")
        }
    }

    /// Compact label for a colour-bar tick.
    static func tickLabel(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e6 || (a < 0.001 && a > 0) { return String(format: "%.2e", v) }
        if a >= 100 || v == v.rounded() { return String(Int(v.rounded())) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3f", v)
    }

    /// The value range, widened when every well has the same value.
    static func range(_ values: [WellPosition: Double]) -> (Double, Double) {
        guard let lo = values.values.min(), let hi = values.values.max() else { return (0, 1) }
        return lo == hi ? (lo - 0.5, hi + 0.5) : (lo, hi)
    }

    /// Draws the map: title, column numbers, row letters, one disc (96/384) or square (1536)
    /// per well coloured by viridis, hatched grey for wells without data (red hatch: failed),
    /// a colour bar with min/mid/max and a legend. O(image pixels).
    static func render(_ plate: PlateValues) -> Canvas {
        let f = plate.format
        let cell = f.columns <= 12 ? 44 : f.columns <= 24 ? 30 : 15
        let scale = f.columns <= 24 ? 2 : 1
        let glyphH = BitmapFont.height * scale
        let rowLabelW = BitmapFont.textWidth(PlateFormat.rowLabel(f.rows), scale: scale)
        let margin = 16
        let titleScale = 2
        let titleH = BitmapFont.height * titleScale
        let gridX = margin + rowLabelW + 8
        let gridY = margin + titleH + 12 + glyphH + 6
        let gridW = f.columns * cell, gridH = f.rows * cell
        let (lo, hi) = range(plate.values)
        let ticks = [hi, (lo + hi) / 2, lo].map(tickLabel)
        let barX = gridX + gridW + 24, barW = 18
        let tickW = ticks.map { BitmapFont.textWidth($0, scale: scale) }.max() ?? 0
        let legendH = glyphH + 16
        let title = "\(plate.plate) - \(plate.label)"
        let width = max(barX + barW + 8 + tickW + margin, margin + BitmapFont.textWidth(title, scale: titleScale) + margin)
        let height = gridY + gridH + 14 + legendH + margin
        var canvas = Canvas(width: width, height: height)
        let ink: Canvas.Color = (34, 34, 34), faint: Canvas.Color = (120, 120, 120)

        canvas.text(title, x: margin, y: margin, scale: titleScale, ink)
        for c in 1 ... f.columns {
            let label = String(c)
            let w = BitmapFont.textWidth(label, scale: scale)
            canvas.text(label, x: gridX + (c - 1) * cell + (cell - w) / 2, y: gridY - glyphH - 6, scale: scale, faint)
        }
        for r in 1 ... f.rows {
            let label = PlateFormat.rowLabel(r)
            let w = BitmapFont.textWidth(label, scale: scale)
            canvas.text(label, x: gridX - 8 - w, y: gridY + (r - 1) * cell + (cell - glyphH) / 2, scale: scale, faint)
        }
        // Plate outline and well backgrounds.
        canvas.fill(x: gridX - 4, y: gridY - 4, w: gridW + 8, h: gridH + 8, (246, 246, 246))
        canvas.frame(x: gridX - 4, y: gridY - 4, w: gridW + 8, h: gridH + 8, (200, 200, 200))
        let round = cell >= 20
        for r in 1 ... f.rows {
            for c in 1 ... f.columns {
                let p = WellPosition(row: r, column: c)
                let x0 = gridX + (c - 1) * cell + 1, y0 = gridY + (r - 1) * cell + 1, d = cell - 2
                if let v = plate.values[p] {
                    let color = Viridis.color((v - lo) / (hi - lo))
                    if round { Canvas.disc(x: x0, y: y0, d: d) { canvas.set($0, $1, color) } }
                    else { canvas.fill(x: x0, y: y0, w: d, h: d, color) }
                } else {
                    let hatch: Canvas.Color = plate.failed.contains(p) ? (214, 96, 77) : (170, 170, 170)
                    let base: Canvas.Color = (226, 226, 226)
                    let paint = { (x: Int, y: Int) in
                        canvas.set(x, y, (x + y) % 5 == 0 ? hatch : base)
                    }
                    if round { Canvas.disc(x: x0, y: y0, d: d, paint) }
                    else { for y in y0 ..< y0 + d { for x in x0 ..< x0 + d { paint(x, y) } } }
                }
            }
        }
        // Colour bar: top = max.
        for y in 0 ..< gridH {
            let t = 1 - Double(y) / Double(max(gridH - 1, 1))
            canvas.fill(x: barX, y: gridY + y, w: barW, h: 1, Viridis.color(t))
        }
        canvas.frame(x: barX - 1, y: gridY - 1, w: barW + 2, h: gridH + 2, (120, 120, 120))
        for (i, label) in ticks.enumerated() {
            let y = gridY + i * (gridH - 1) / 2
            canvas.fill(x: barX + barW, y: y, w: 4, h: 1, ink)
            canvas.text(label, x: barX + barW + 8, y: min(max(y - glyphH / 2, gridY - glyphH / 2), gridY + gridH - glyphH / 2),
                        scale: scale, ink)
        }
        // Legend.
        let ly = gridY + gridH + 18
        var lx = gridX
        for (label, hatch) in [("no data", (170, 170, 170) as Canvas.Color), ("failed", (214, 96, 77) as Canvas.Color)] {
            for y in 0 ..< glyphH { for x in 0 ..< glyphH { canvas.set(lx + x, ly + y, (lx + x + ly + y) % 5 == 0 ? hatch : (226, 226, 226)) } }
            canvas.text(label, x: lx + glyphH + 6, y: ly, scale: scale, faint)
            lx += glyphH + 6 + BitmapFont.textWidth(label, scale: scale) + 24
        }
        let count = "\(plate.values.count) of \(f.wells) wells with data"
        canvas.text(count, x: lx, y: ly, scale: scale, faint)
        return canvas
    }

    /// The plate as text: one shade character per well (` .:-=+*#%@` from low to high),
    /// `?` for no data, `x` for failed, then the scale. O(wells).
    public static func ascii(_ plate: PlateValues) -> String {
        let shades = Array(".:-=+*#%@")
        let (lo, hi) = range(plate.values)
        var cells: [WellPosition: String] = [:]
        for r in 1 ... plate.format.rows {
            for c in 1 ... plate.format.columns {
                let p = WellPosition(row: r, column: c)
                if let v = plate.values[p] {
                    let t = (v - lo) / (hi - lo)
                    cells[p] = String(shades[min(shades.count - 1, Int(t * Double(shades.count)))])
                } else if plate.failed.contains(p) {
                    cells[p] = "x"
                }
            }
        }
        var out = PlateGrid.render(title: "\(plate.plate): \(plate.label)", format: plate.format, values: cells, missing: " ")
        out += "scale: " + shades.map(String.init).joined() + "  low \(tickLabel(lo)) … high \(tickLabel(hi));"
            + " blank = no data, x = failed\n"
        return out
    }
}
