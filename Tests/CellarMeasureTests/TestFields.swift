import CellarBench
import CellarImage
import CellarMeasure

/// Test fields: synthetic nuclei plus hand-made awkward objects.
enum TestFields {
    /// A 300 × 240 field: ~60 synthetic nuclei, then painted over with edge cases — one-pixel
    /// objects in two image corners, 1-pixel horizontal/vertical lines, an 8-connected diagonal
    /// chain, a ring (hole), an L, a 100-pixel-wide bar on the top border (multi-word bitmap),
    /// a label in two pieces, a full-width line on the bottom border, a diagonal pixel pair,
    /// a holed object on the right border and an object in the left border column.
    static func awkward(seed: UInt64 = 7) -> (labels: Image<UInt32>, dna: Image<UInt16>) {
        var (labels, dna) = SyntheticCells.field(width: 300, height: 240, cells: 60, radius: 10, seed: seed)
        let w = labels.width, h = labels.height
        var next = (labels.pixels.max() ?? 0) + 1
        func paint(_ pts: [(Int, Int)]) {
            for (x, y) in pts where x >= 0 && y >= 0 && x < w && y < h { labels[x, y] = next }
            next += 1
        }
        func rect(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> [(Int, Int)] {
            var p: [(Int, Int)] = []
            for y in y0...y1 { for x in x0...x1 { p.append((x, y)) } }
            return p
        }
        paint([(0, 0)])
        paint([(w - 1, h - 1)])
        paint(rect(20, 5, 34, 5))
        paint(rect(50, 3, 50, 20))
        paint((0..<16).map { (60 + $0, 2 + $0) })
        var ring: [(Int, Int)] = []
        for y in 31...49 { for x in 91...109 {
            let d2 = (x - 100) * (x - 100) + (y - 40) * (y - 40)
            if d2 <= 81 && d2 > 16 { ring.append((x, y)) }
        } }
        paint(ring)
        paint(rect(130, 60, 133, 80) + rect(134, 77, 145, 80))
        paint(rect(150, 0, 249, 11))
        var pieces = rect(10, 100, 13, 103)
        pieces += rect(30, 110, 33, 113)
        paint(pieces)
        paint(rect(0, h - 1, w - 1, h - 1))
        paint([(200, 150), (201, 151)])
        paint(rect(285, 120, 299, 140).filter { !($0.0 >= 290 && $0.0 <= 294 && $0.1 >= 127 && $0.1 <= 133) })
        paint(rect(0, 180, 0, 200) + rect(1, 185, 3, 190))
        // A staircase and a plus sign (concave, 45° edges).
        paint((0..<10).flatMap { i in rect(220 + 2 * i, 200 + i, 221 + 2 * i, 200 + i) })
        paint(rect(170, 200, 172, 214) + rect(164, 206, 178, 208))
        return (labels, dna)
    }

    /// The channels measured in the cross-check: 16-bit DNA, an 8-bit copy, and a float copy
    /// already on the 0–1 scale.
    static func channels(_ dna: Image<UInt16>) -> [Channel] {
        let u8 = dna.map { UInt8($0 >> 8) }
        let f = dna.map { Float($0) / 65535 }
        return [Channel(name: "DNA", image: .uint16(dna)),
                Channel(name: "Act", image: .uint8(u8)),
                Channel(name: "F", image: f, fullScale: 1)]
    }
}
