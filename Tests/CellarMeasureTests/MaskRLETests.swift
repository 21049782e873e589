import CellarBench
import Testing
import CellarImage
import CellarMeasure

/// Random box masks of the kinds the issue names.
enum MaskPatterns {
    static let kinds = ["single", "full", "holes", "hline", "vline", "diagonal", "antidiagonal", "noise", "empty-rows", "checker"]

    static func make(_ kind: String, width w: Int, height h: Int, rng: inout SyntheticCells.RNG) -> [Bool] {
        var b = [Bool](repeating: false, count: w * h)
        func set(_ x: Int, _ y: Int) { if x >= 0 && y >= 0 && x < w && y < h { b[y * w + x] = true } }
        switch kind {
        case "single": set(Int.random(in: 0..<w, using: &rng), Int.random(in: 0..<h, using: &rng))
        case "full": b = [Bool](repeating: true, count: w * h)
        case "holes":
            b = [Bool](repeating: true, count: w * h)
            for _ in 0..<max(1, w * h / 8) { b[Int.random(in: 0..<(w * h), using: &rng)] = false }
        case "hline": let y = Int.random(in: 0..<h, using: &rng); for x in 0..<w { set(x, y) }
        case "vline": let x = Int.random(in: 0..<w, using: &rng); for y in 0..<h { set(x, y) }
        case "diagonal": for i in 0..<max(w, h) { set(i * w / max(w, h), i * h / max(w, h)) }
        case "antidiagonal": for i in 0..<max(w, h) { set(w - 1 - i * w / max(w, h), i * h / max(w, h)) }
        case "noise": for i in b.indices { b[i] = rng.next() & 1 == 1 }
        case "empty-rows": for y in stride(from: 0, to: h, by: 2) { for x in 0..<w { set(x, y) } }
        default: for y in 0..<h { for x in 0..<w where (x + y) % 2 == 0 { set(x, y) } }
        }
        return b
    }
}

@Suite("Mask RLE")
struct MaskRLETests {
    @Test func varintRoundTrip() throws {
        for v in [0, 1, 127, 128, 255, 300, 16383, 16384, 1 << 31, Int.max] {
            var out: [UInt8] = []
            LEB128.append(v, to: &out)
            var i = 0
            #expect(try LEB128.read(out, at: &i) == v)
            #expect(i == out.count)
        }
        var bytes: [UInt8] = [0x80]
        var i = 0
        #expect(throws: MaskRLEError.truncatedVarint) { try LEB128.read(bytes, at: &i) }
        bytes = [UInt8](repeating: 0xff, count: 10) + [1]
        i = 0
        #expect(throws: MaskRLEError.varintOverflow) { try LEB128.read(bytes, at: &i) }
    }

    @Test func knownEncoding() throws {
        // 3×2 box: . X X / X . .  → bg 1, fg 3 (runs continue across the row end), no trailing bg.
        let m = CellMask.encode(objectNumber: 5, x: 10, y: 20, width: 3, height: 2,
                                bitmap: [false, true, true, true, false, false])
        #expect(Array(m.rle) == [1, 3])
        // Full box starts with an empty background run.
        let f = CellMask.encode(objectNumber: 1, x: 0, y: 0, width: 200, height: 1, bitmap: .init(repeating: true, count: 200))
        #expect(Array(f.rle) == [0, 0xC8, 0x01])
        #expect(try f.area() == 200)
        let bad = CellMask(objectNumber: 1, x: 0, y: 0, width: 2, height: 2, rle: [1, 4][...])
        #expect(throws: MaskRLEError.runsExceedBox) { try bad.decodeBitmap() }
    }

    /// Property: encode → decode is the identity over random masks of every kind and size.
    @Test func roundTripProperty() throws {
        var rng = SyntheticCells.RNG(seed: 42)
        for trial in 0..<2000 {
            let kind = MaskPatterns.kinds[trial % MaskPatterns.kinds.count]
            let w = Int.random(in: 1...70, using: &rng), h = Int.random(in: 1...70, using: &rng)
            let bits = MaskPatterns.make(kind, width: w, height: h, rng: &rng)
            let m = CellMask.encode(objectNumber: 1, x: 3, y: 4, width: w, height: h, bitmap: bits)
            #expect(try m.decodeBitmap() == bits, "\(kind) \(w)×\(h)")
            #expect(try m.area() == bits.filter { $0 }.count)
        }
    }

    /// Property: for random label fields, the measurer's masks rebuild the labels bit-exactly,
    /// and each mask equals encoding its object's box bitmap directly.
    @Test func measuredMasksRebuildLabels() throws {
        var rng = SyntheticCells.RNG(seed: 9)
        for trial in 0..<40 {
            let w = Int.random(in: 1...90, using: &rng), h = Int.random(in: 1...90, using: &rng)
            var labels = Image<UInt32>(width: w, height: h)
            // Paste random patterns as objects; later ones overwrite earlier ones.
            for l in 1...UInt32.random(in: 1...12, using: &rng) {
                let bw = Int.random(in: 1...w, using: &rng), bh = Int.random(in: 1...h, using: &rng)
                let x0 = Int.random(in: 0...(w - bw), using: &rng), y0 = Int.random(in: 0...(h - bh), using: &rng)
                let kind = MaskPatterns.kinds[Int.random(in: 0..<MaskPatterns.kinds.count, using: &rng)]
                let bits = MaskPatterns.make(kind, width: bw, height: bh, rng: &rng)
                for y in 0..<bh { for x in 0..<bw where bits[y * bw + x] { labels[x0 + x, y0 + y] = l } }
            }
            let m = try Measurer().measure(labels: labels, channels: [])
            let rebuilt = try LabelImage.rebuild(width: w, height: h, masks: m.masks)
            #expect(rebuilt == labels, "trial \(trial)")
            for mask in m.masks {
                var bits = [Bool](repeating: false, count: mask.width * mask.height)
                for y in 0..<mask.height { for x in 0..<mask.width {
                    bits[y * mask.width + x] = labels[mask.x + x, mask.y + y] == mask.objectNumber
                } }
                let direct = CellMask.encode(objectNumber: mask.objectNumber, x: mask.x, y: mask.y,
                                             width: mask.width, height: mask.height, bitmap: bits)
                #expect(direct.rle == mask.rle)
            }
        }
    }

    @Test func syntheticFieldBytesPerCell() throws {
        let f = SyntheticCells.field(seed: 1)
        let m = try Measurer().measure(labels: f.labels, channels: [])
        #expect(try LabelImage.rebuild(width: 1024, height: 1024, masks: m.masks) == f.labels)
        print("synthetic 1024² field: \(m.masks.count) cells, mask RLE \(m.masks.meanBytesPerMask) B/cell (+ box)")
    }
}
