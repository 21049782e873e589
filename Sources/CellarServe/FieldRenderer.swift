import CellarImage
import CellarMeasure
import CellarStore

/// Draws a field (or a window of it) as 8-bit RGB: one channel in gray, or two as a
/// magenta/green composite, contrast-stretched between percentiles, with the stored masks'
/// outlines on top. Missing source files leave the background black (the outlines still show).
struct FieldRenderer {
    /// Source window in image pixels.
    var x0 = 0, y0 = 0, windowWidth: Int, windowHeight: Int
    /// Output size in pixels.
    var outWidth: Int, outHeight: Int
    /// 1 source (gray) or 2 (composite); nil entries are missing files.
    var channels: [SourceImage?]
    var lowPercentile = 0.5, highPercentile = 99.8
    var masks: FieldMasks?
    /// Object drawn in white instead of its own colour.
    var highlight: Int?

    /// Largest output side the viewer renders.
    static let maxOutput = 4096

    /// A renderer for the whole `width × height` field, scaled down to fit `maxSide`.
    init(width: Int, height: Int, maxSide: Int, channels: [SourceImage?]) {
        windowWidth = width
        windowHeight = height
        let side = min(maxSide, Self.maxOutput)
        let f = max(1, (max(width, height) + side - 1) / side)
        outWidth = max(1, width / f)
        outHeight = max(1, height / f)
        self.channels = channels
    }

    /// A renderer for the window `x0, y0, w × h` drawn at `out × out` (a cell crop).
    init(window x0: Int, _ y0: Int, _ w: Int, _ h: Int, outWidth: Int, outHeight: Int, channels: [SourceImage?]) {
        self.x0 = x0; self.y0 = y0; windowWidth = w; windowHeight = h
        self.outWidth = outWidth; self.outHeight = outHeight
        self.channels = channels
    }

    /// The RGB pixels, `outWidth × outHeight × 3`. O(output pixels + mask pixels of the window).
    func render() -> [UInt8] {
        let ow = outWidth, oh = outHeight
        var rgb = [UInt8](repeating: 0, count: ow * oh * 3)
        // Output column/row → source column/row (nearest).
        let sx = (0 ..< ow).map { x0 + min(windowWidth - 1, $0 * windowWidth / ow) }
        let sy = (0 ..< oh).map { y0 + min(windowHeight - 1, $0 * windowHeight / oh) }
        let luts = channels.map { $0?.lookupTable(low: lowPercentile, high: highPercentile) }
        rgb.withUnsafeMutableBufferPointer { out in
            for (c, source) in channels.enumerated() {
                guard let source, let lut = luts[c] else { continue }
                // Gray: all three; composite: first → red + blue (magenta), second → green.
                let targets: [Int] = channels.count == 1 ? [0, 1, 2] : (c == 0 ? [0, 2] : [1])
                source.levels.withUnsafeBufferPointer { px in
                    lut.withUnsafeBufferPointer { lut in
                        for oy in 0 ..< oh {
                            let y = sy[oy]
                            guard y >= 0, y < source.height else { continue }
                            let row = y * source.width
                            var o = oy * ow * 3
                            for ox in 0 ..< ow {
                                let x = sx[ox]
                                if x >= 0 && x < source.width {
                                    let v = lut[Int(px[row + x])]
                                    for t in targets { out[o + t] = v }
                                }
                                o += 3
                            }
                        }
                    }
                }
            }
            if let masks { drawOutlines(masks, into: out) }
        }
        return rgb
    }

    /// Marks each object's boundary pixels (in the object, 4-neighbour outside it) in the
    /// object's colour; a source pixel covers its whole footprint in the output, so outlines
    /// stay closed when zoomed in and visible when scaled down. O(mask pixels in the window).
    private func drawOutlines(_ masks: FieldMasks, into out: UnsafeMutableBufferPointer<UInt8>) {
        let ow = outWidth, oh = outHeight
        var box: [UInt8] = []
        for i in 0 ..< masks.masks.count {
            let m = masks.masks[i]
            guard m.width > 0, m.height > 0,
                  m.x < x0 + windowWidth, m.x + m.width > x0, m.y < y0 + windowHeight, m.y + m.height > y0 else { continue }
            let object = masks.objectNumbers[i]
            let colour: (UInt8, UInt8, UInt8) = object == highlight ? (255, 255, 255) : Overlay.colour(UInt32(truncatingIfNeeded: object))
            let bw = m.width, bh = m.height
            box.removeAll(keepingCapacity: true)
            box.append(contentsOf: repeatElement(0, count: bw * bh))
            let mask = CellMask(objectNumber: UInt32(truncatingIfNeeded: object), x: m.x, y: m.y, width: bw, height: bh, rle: m.rle)
            do {
                try box.withUnsafeMutableBufferPointer { b in
                    try mask.forEachRun { start, length in for k in start ..< start + length { b[k] = 1 } }
                }
            } catch {
                continue  // a damaged mask is skipped, not fatal
            }
            box.withUnsafeBufferPointer { b in
                for by in 0 ..< bh {
                    for bx in 0 ..< bw where b[by * bw + bx] != 0 {
                        let i = by * bw + bx
                        let edge = bx == 0 || by == 0 || bx == bw - 1 || by == bh - 1
                            || b[i - 1] == 0 || b[i + 1] == 0 || b[i - bw] == 0 || b[i + bw] == 0
                        guard edge else { continue }
                        let x = m.x + bx - x0, y = m.y + by - y0
                        guard x >= 0, x < windowWidth, y >= 0, y < windowHeight else { continue }
                        let oxa = x * ow / windowWidth, oxb = max(oxa + 1, (x + 1) * ow / windowWidth)
                        let oya = y * oh / windowHeight, oyb = max(oya + 1, (y + 1) * oh / windowHeight)
                        for oy in oya ..< min(oyb, oh) {
                            for ox in oxa ..< min(oxb, ow) {
                                let o = (oy * ow + ox) * 3
                                out[o] = colour.0; out[o + 1] = colour.1; out[o + 2] = colour.2
                            }
                        }
                    }
                }
            }
        }
    }
}

extension FieldMasks {
    /// The object whose mask covers pixel (x, y), nil if none. O(masks + runs of the boxes hit).
    func object(atX x: Int, y: Int) -> Int? {
        for i in 0 ..< masks.count {
            let m = masks[i]
            guard x >= m.x, x < m.x + m.width, y >= m.y, y < m.y + m.height else { continue }
            let target = (y - m.y) * m.width + (x - m.x)
            var hit = false
            let mask = CellMask(objectNumber: 0, x: m.x, y: m.y, width: m.width, height: m.height, rle: m.rle)
            try? mask.forEachRun { start, length in if target >= start && target < start + length { hit = true } }
            if hit { return objectNumbers[i] }
        }
        return nil
    }
}
