/// One object's mask as rows of 64-bit words with a one-pixel zero frame, plus the
/// bit-parallel shape measurements that need neighbourhoods: scikit-image's perimeter,
/// Euler number (8-connectivity) and boundary pixels.
///
/// Layout: `rows = height + 2`, `stride = (width + 2 + 63) / 64` words per row; object pixel
/// (col, row) relative to the box is bit `col + 1` of row `row + 1`. All operations are
/// O(rows × stride) word operations plus O(boundary pixels).
struct ObjectBitmap {
    var words: [UInt64] = []
    var border: [UInt64] = []
    var edge: [UInt64] = []
    var width = 0
    var height = 0
    var stride = 0
    var rows: Int { height + 2 }

    /// Clears and sizes the bitmap for a `width × height` box. Reuses capacity.
    mutating func reset(width: Int, height: Int) {
        self.width = width
        self.height = height
        stride = (width + 2 + 63) >> 6
        let n = (height + 2) * stride
        if words.count < n {
            words = [UInt64](repeating: 0, count: n)
            border = [UInt64](repeating: 0, count: n)
            edge = [UInt64](repeating: 0, count: n)
        } else {
            words.withUnsafeMutableBufferPointer { p in
                for i in 0..<n { p[i] = 0 }
            }
        }
    }

    /// Sets columns `c0...c1` (box-relative, inclusive) of box row `r`.
    @inline(__always)
    mutating func setRun(row r: Int, from c0: Int, to c1: Int) {
        let lo = c0 + 1, hi = c1 + 1
        let base = (r + 1) * stride
        let wl = lo >> 6, wh = hi >> 6
        words.withUnsafeMutableBufferPointer { p in
            if wl == wh {
                p[base + wl] |= (UInt64.max >> UInt64(63 - (hi & 63))) & (UInt64.max << UInt64(lo & 63))
            } else {
                p[base + wl] |= UInt64.max << UInt64(lo & 63)
                var w = wl + 1
                while w < wh { p[base + w] = UInt64.max; w += 1 }
                p[base + wh] |= UInt64.max >> UInt64(63 - (hi & 63))
            }
        }
    }

    /// Pixels of the mask with a 4-neighbour outside the mask (`src` frame bits decide what
    /// lies beyond the box). Writes rows 1...height of `dst`; frame rows are left zero.
    @inline(__always)
    private static func innerBoundary(_ m: UnsafeMutableBufferPointer<UInt64>,
                                      _ dst: UnsafeMutableBufferPointer<UInt64>,
                                      height: Int, stride s: Int) {
        for i in 0..<s { dst[i] = 0; dst[(height + 1) * s + i] = 0 }
        for r in 1...height {
            let b = r * s
            for i in 0..<s {
                let c = m[b + i]
                let left = (c << 1) | (i > 0 ? m[b + i - 1] >> 63 : 0)
                let right = (c >> 1) | (i + 1 < s ? m[b + i + 1] << 63 : 0)
                let eroded = c & left & right & m[b - s + i] & m[b + s + i]
                dst[b + i] = c & ~eroded
            }
        }
    }

    /// scikit-image `perimeter(image, neighborhood=4)` of the mask: the boundary pixels
    /// (erosion by a cross, outside the box = background) weighted by their boundary
    /// neighbours: index 1 + 2·(4-neighbours) + 10·(diagonal neighbours) → weight 1 for
    /// {5,7,15,17,25,27}, √2 for {21,33}, (1+√2)/2 for {13,23}, 0 otherwise.
    /// Also fills `border`. O(words + boundary pixels).
    mutating func perimeter() -> Double {
        let s = stride, h = height
        var nOne = 0, nDiag = 0, nHalf = 0
        words.withUnsafeMutableBufferPointer { m in
            border.withUnsafeMutableBufferPointer { bd in
                Self.innerBoundary(m, bd, height: h, stride: s)
                @inline(__always) func bit(_ r: Int, _ k: Int) -> Int {
                    Int(truncatingIfNeeded: (bd[r * s + (k >> 6)] >> UInt64(k & 63)) & 1)
                }
                for r in 1...h {
                    for i in 0..<s {
                        var w = bd[r * s + i]
                        while w != 0 {
                            let k = i << 6 + w.trailingZeroBitCount
                            w &= w - 1
                            let a = bit(r, k - 1) + bit(r, k + 1) + bit(r - 1, k) + bit(r + 1, k)
                            let d = bit(r - 1, k - 1) + bit(r - 1, k + 1) + bit(r + 1, k - 1) + bit(r + 1, k + 1)
                            switch 1 + 2 * a + 10 * d {
                            case 5, 7, 15, 17, 25, 27: nOne += 1
                            case 21, 33: nDiag += 1
                            case 13, 23: nHalf += 1
                            default: break
                            }
                        }
                    }
                }
            }
        }
        let sqrt2 = 2.0.squareRoot()
        return Double(nOne) + Double(nDiag) * sqrt2 + Double(nHalf) * ((1 + sqrt2) / 2)
    }

    /// scikit-image `euler_number(image, connectivity=2)`: over all 2×2 windows of the
    /// zero-padded mask, +1 for "upper-left only", −1 for "upper-right + lower-left only"
    /// and −1 for "all but lower-right". O(words).
    func eulerNumber() -> Int {
        let s = stride, h = height
        var e = 0
        words.withUnsafeBufferPointer { m in
            for r in 1...(h + 1) {
                let ub = (r - 1) * s, cb = r * s
                for i in 0..<s {
                    let ur = m[ub + i], lr = m[cb + i]
                    let ul = (ur << 1) | (i > 0 ? m[ub + i - 1] >> 63 : 0)
                    let ll = (lr << 1) | (i > 0 ? m[cb + i - 1] >> 63 : 0)
                    let p1 = ul & ~ur & ~ll & ~lr
                    let p6 = ~ul & ur & ll & ~lr
                    let p14 = ul & ur & ll & ~lr
                    e += p1.nonzeroBitCount - p6.nonzeroBitCount - p14.nonzeroBitCount
                }
            }
        }
        return e
    }

    /// CellProfiler's edge pixels (`skimage.segmentation.find_boundaries(labels, mode="inner")`):
    /// object pixels with a 4-neighbour of another label, where beyond the *image* border a
    /// pixel's neighbour is itself (scipy "reflect" mode). Call after ``perimeter()``: without
    /// image-border contact this equals `border`; otherwise it is recomputed into `edge`.
    /// Returns whether the result is in `edge` (true) or `border` (false).
    mutating func computeEdges(touchLeft: Bool, touchRight: Bool, touchTop: Bool, touchBottom: Bool) -> Bool {
        guard touchLeft || touchRight || touchTop || touchBottom else { return false }
        let s = stride, h = height, w = width
        words.withUnsafeMutableBufferPointer { m in
            edge.withUnsafeMutableBufferPointer { ed in
                @inline(__always) func copyBit(_ r: Int, from k: Int, to t: Int) {
                    let v = (m[r * s + (k >> 6)] >> UInt64(k & 63)) & 1
                    m[r * s + (t >> 6)] |= v << UInt64(t & 63)
                }
                if touchLeft { for r in 1...h { copyBit(r, from: 1, to: 0) } }
                if touchRight { for r in 1...h { copyBit(r, from: w, to: w + 1) } }
                if touchTop { for i in 0..<s { m[i] = m[s + i] } }
                if touchBottom { for i in 0..<s { m[(h + 1) * s + i] = m[h * s + i] } }
                Self.innerBoundary(m, ed, height: h, stride: s)
                // Keep only real object pixels (frame bits copied above are not pixels).
                for r in 1...h {
                    ed[r * s] &= ~1
                    let k = w + 1
                    ed[r * s + (k >> 6)] &= ~(UInt64(1) << UInt64(k & 63))
                }
            }
        }
        return true
    }
}
