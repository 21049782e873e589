/// A COCO run-length-encoded mask, as `pycocotools.mask.encode` produces it for one object in
/// full-image coordinates: `size = [height, width]`; `counts` = run lengths over the image in
/// **column-major** order, starting with a (possibly empty) run of zeros, in pycocotools'
/// compressed string form (`maskApi.c` `rleToString`: each count, minus the count two places
/// before it from the fourth on, in 5-bit groups with a continuation bit, + 48 as ASCII).
public struct CocoRLE: Sendable, Hashable {
    public let height: Int
    public let width: Int
    /// The compressed counts string.
    public let counts: String
    /// Number of foreground pixels (`pycocotools.mask.area`).
    public let area: Int
    /// `[x, y, w, h]` as `pycocotools.mask.toBbox` computes it (tight box for ordinary masks).
    public let bbox: [Double]

    /// Encodes one object's mask. O(box pixels + runs).
    public init(mask: CellMask, imageWidth: Int, imageHeight: Int) throws(MaskRLEError) {
        guard mask.x >= 0, mask.y >= 0, mask.x + mask.width <= imageWidth,
              mask.y + mask.height <= imageHeight else { throw .invalidBox }
        let bits = try mask.decodeBitmap()
        let h = imageHeight, bw = mask.width, bh = mask.height
        var counts: [Int] = []
        var pos = 0          // column-major index of the next pixel not yet counted
        var inRun = false    // the last emitted count is an open foreground run
        for c in 0..<bw {
            for r in 0..<bh where bits[r * bw + c] {
                let p = (mask.x + c) * h + mask.y + r
                if inRun && p == pos {
                    counts[counts.count - 1] += 1
                } else {
                    counts.append(p - pos)
                    counts.append(1)
                    inRun = true
                }
                pos = p + 1
            }
        }
        let total = imageWidth * imageHeight
        if counts.isEmpty || pos < total { counts.append(total - pos) }
        self.height = imageHeight
        self.width = imageWidth
        self.counts = Self.string(fromCounts: counts)
        self.area = stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] }
        self.bbox = Self.bbox(counts: counts, height: imageHeight, width: imageWidth)
    }

    /// pycocotools `rleToString`. O(counts).
    public static func string(fromCounts cnts: [Int]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(cnts.count * 2)
        for i in cnts.indices {
            var x = cnts[i]
            if i > 2 { x -= cnts[i - 2] }
            var more = true
            while more {
                var c = UInt8(truncatingIfNeeded: x & 0x1f)
                x >>= 5 // arithmetic shift, as C's on a signed long
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                out.append(c + 48)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// pycocotools `rleFrString`: the counts of a compressed string. O(length).
    public static func counts(fromString s: String) -> [Int] {
        var cnts: [Int] = []
        let bytes = Array(s.utf8)
        var p = 0
        while p < bytes.count {
            var x = 0, k = 0, more = true
            while more && p < bytes.count {
                let c = Int(bytes[p]) - 48
                x |= (c & 0x1f) << (5 * k)
                more = (c & 0x20) != 0
                p += 1; k += 1
                if !more && (c & 0x10) != 0 { x |= -1 << (5 * k) }
            }
            if cnts.count > 2 { x += cnts[cnts.count - 2] }
            cnts.append(x)
        }
        return cnts
    }

    /// pycocotools `rleToBbox` on uncompressed counts.
    static func bbox(counts: [Int], height h: Int, width w: Int) -> [Double] {
        let m = (counts.count / 2) * 2
        if m == 0 { return [0, 0, 0, 0] }
        var xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0
        for j in 0..<m {
            cc += counts[j]
            let t = cc - j % 2
            let y = t % h, x = (t - y) / h
            if j % 2 == 0 { xp = x } else if xp < x { ys = 0; ye = h - 1 }
            xs = min(xs, x); xe = max(xe, x); ys = min(ys, y); ye = max(ye, y)
        }
        return [Double(xs), Double(ys), Double(xe - xs + 1), Double(ye - ys + 1)]
    }
}
