import CellarImage
import Foundation

/// How a filter extends an image past its edges.
public enum BorderMode: Sendable, Hashable, Codable {
    /// Repeat the edge pixel (`a a | a b c | c c`): scipy/scikit-image `mode='nearest'`,
    /// the default of `skimage.filters.gaussian`.
    case nearest
    /// Mirror including the edge pixel (`b a | a b c | c b`): scipy `mode='reflect'`,
    /// the default of `scipy.ndimage.gaussian_filter`.
    case reflect

    /// Maps an out-of-range coordinate `i` into `0..<n`. O(1) amortised.
    @inlinable func index(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch self {
        case .nearest: return i < 0 ? 0 : n - 1
        case .reflect:
            // Period 2n: 0..n-1 forward, n..2n-1 backward.
            let p = 2 * n
            var m = i % p
            if m < 0 { m += p }
            return m < n ? m : p - 1 - m
        }
    }
}

/// The normalised 1-D Gaussian kernel scipy uses: radius `Int(truncate·σ + 0.5)`,
/// weights `exp(-x²/(2σ²))` divided by their sum. Returns the half kernel
/// `[w0, w1, …, wr]` (the kernel is symmetric). O(radius).
public func gaussianHalfKernel(sigma: Double, truncate: Double = 4) -> [Float] {
    precondition(sigma > 0, "sigma must be positive")
    let radius = Int(truncate * sigma + 0.5)
    var w = [Double](repeating: 0, count: radius + 1)
    for i in 0...radius { w[i] = exp(-0.5 / (sigma * sigma) * Double(i * i)) }
    let sum = w[0] + 2 * w[1...].reduce(0, +)
    return w.map { Float($0 / sum) }
}

/// A separable Gaussian blur with its reusable scratch (one padded row).
public struct GaussianBlur: Sendable {
    public let sigma: Double
    public let border: BorderMode
    public let halfKernel: [Float]
    private var padded: [Float] = []
    private var ring: [Float] = []
    private var ringRow: [Int] = []
    private var activeStart: [Int32] = []
    private var activeLo: [Int32] = []
    private var activeHi: [Int32] = []
    private var scratchLo: [Int32] = []
    private var scratchHi: [Int32] = []
    private var fillAt: [Int32] = []
    private var activeWidth = 0

    /// A blur of standard deviation `sigma` px, kernel truncated at `truncate·σ` as in scipy.
    public init(sigma: Double, border: BorderMode = .nearest, truncate: Double = 4) {
        self.sigma = sigma
        self.border = border
        self.halfKernel = gaussianHalfKernel(sigma: sigma, truncate: truncate)
    }

    /// Blurs `src` (`width × height`, row-major) into `dst`; `src` and `dst` must not overlap.
    /// Vertical then horizontal (scipy's axis order), Float accumulation, fused row by row.
    /// O(width × height × radius); all inner loops run over contiguous x with explicit SIMD.
    public mutating func apply(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableBufferPointer<Float>,
                               width: Int, height: Int) {
        precondition(src.count >= width * height)
        _ = apply(src.baseAddress, into: dst, width: width, height: height)
    }

    /// Blurs integer or float pixels (converted to Float row by row into a small ring of
    /// rows, so no Float copy of the image is made) into `dst`, and returns the minimum and
    /// maximum of the result (computed while storing it). Same arithmetic as the Float
    /// version: results are identical to blurring `Float(src)`. O(width × height × radius).
    @discardableResult
    public mutating func apply<P: BlurPixel>(_ src: UnsafePointer<P>?, into dst: UnsafeMutableBufferPointer<Float>,
                                             width: Int, height: Int) -> (min: Float, max: Float) {
        let n = width * height
        precondition(dst.count >= n)
        if n == 0 { return (0, 0) }
        let s = src!
        let r = halfKernel.count - 1
        let ringRows = P.self == Float.self ? 0 : min(2 * r + 1, height)
        if padded.count < width + 2 * r { padded = [Float](repeating: 0, count: width + 2 * r) }
        if ring.count < ringRows * width { ring = [Float](repeating: 0, count: ringRows * width) }
        if ringRow.count < ringRows { ringRow = [Int](repeating: -1, count: ringRows) }
        for i in 0..<ringRows { ringRow[i] = -1 }
        let border = self.border
        var lo8 = SIMD8<Float>(repeating: .infinity), hi8 = SIMD8<Float>(repeating: -.infinity)
        var lo = Float.infinity, hi = -Float.infinity
        halfKernel.withUnsafeBufferPointer { kb in
        padded.withUnsafeMutableBufferPointer { pb in
        ring.withUnsafeMutableBufferPointer { rb in
        ringRow.withUnsafeMutableBufferPointer { rrb in
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 2 * (r + 1)) { tb in
            let k = kb.baseAddress!, p = pb.baseAddress!, pc = p + r
            let d = dst.baseAddress!, t = tb.baseAddress!
            // Row `i` of the source as Float: the source itself, or a converted ring slot.
            @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> {
                if P.self == Float.self {
                    return UnsafeRawPointer(s + i * width).assumingMemoryBound(to: Float.self)
                }
                let slot = i % ringRows
                let out = rb.baseAddress! + slot * width
                if rrb[slot] != i {
                    P.convert(s + i * width, into: out, count: width)
                    rrb[slot] = i
                }
                return UnsafePointer(out)
            }
            // One output row at a time: the vertical sum of input rows goes into the
            // padded row buffer (stays in L1), then the horizontal sum into `dst`.
            for y in 0..<height {
                t[0] = row(y)
                for j in stride(from: 1, through: r, by: 1) {
                    t[2 * j] = row(border.index(y - j, height))
                    t[2 * j + 1] = row(border.index(y + j, height))
                }
                verticalRow(pc, taps: t, k, r, width)
                for j in stride(from: 1, through: r, by: 1) {
                    p[r - j] = pc[border.index(-j, width)]
                    p[r + width - 1 + j] = pc[border.index(width - 1 + j, width)]
                }
                horizontalRow(d + y * width, pc, k, r, width, lo: &lo8, hi: &hi8, loS: &lo, hiS: &hi)
            }
        }}}}}
        return (min(lo, lo8.min()), max(hi, hi8.max()))
    }

    /// Blurs a Float map that is zero outside `boxes` (`x0, y0, x1, y1` inclusive per box,
    /// flattened) into `dst`, computing and writing only the pixels within the kernel radius
    /// of a box: everything else of `dst` must already be zero (it would blur to zero). The
    /// written intervals are remembered; ``clearWritten(_:)`` zeroes them again, so a
    /// caller keeps `dst` all-zero between fields without clearing the whole image.
    /// Per pixel the arithmetic is that of the dense blur, so values are identical.
    /// O(Σ dilated box areas × radius + boxes × rows).
    public mutating func applySparse(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                                     width: Int, height: Int, boxes: [Int32]) {
        let r = halfKernel.count - 1
        buildActive(boxes: boxes, radius: r, width: width, height: height)
        if padded.count < width + 2 * r { padded = [Float](repeating: 0, count: width + 2 * r) }
        let border = self.border
        var lo8 = SIMD8<Float>(repeating: 0), hi8 = lo8, lo: Float = 0, hi: Float = 0
        halfKernel.withUnsafeBufferPointer { kb in
        padded.withUnsafeMutableBufferPointer { pb in
        activeStart.withUnsafeBufferPointer { asb in
        activeLo.withUnsafeBufferPointer { alb in
        activeHi.withUnsafeBufferPointer { ahb in
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 2 * (r + 1)) { tb in
            let k = kb.baseAddress!, p = pb.baseAddress!, pc = p + r, t = tb.baseAddress!
            for y in 0..<height {
                let i0 = Int(asb[y]), i1 = Int(asb[y + 1])
                if i0 == i1 { continue }
                t[0] = UnsafePointer(src + y * width)
                for j in stride(from: 1, through: r, by: 1) {
                    t[2 * j] = UnsafePointer(src + border.index(y - j, height) * width)
                    t[2 * j + 1] = UnsafePointer(src + border.index(y + j, height) * width)
                }
                p.update(repeating: 0, count: width + 2 * r)
                for i in i0..<i1 {
                    let a = Int(alb[i]), b = Int(ahb[i])
                    verticalRow(pc + a, taps: t, k, r, b - a, offset: a)
                }
                for j in stride(from: 1, through: r, by: 1) {
                    p[r - j] = pc[border.index(-j, width)]
                    p[r + width - 1 + j] = pc[border.index(width - 1 + j, width)]
                }
                for i in i0..<i1 {
                    let a = Int(alb[i]), b = Int(ahb[i])
                    horizontalRow(dst + y * width + a, pc + a, k, r, b - a, lo: &lo8, hi: &hi8, loS: &lo, hiS: &hi)
                }
            }
        }}}}}}
        activeWidth = width
    }

    /// Zeroes the pixels of `dst` written by the last ``applySparse(_:into:width:height:boxes:)``.
    /// O(written pixels).
    public func clearWritten(_ dst: UnsafeMutablePointer<Float>) {
        guard activeStart.count > 1 else { return }
        for y in 0..<(activeStart.count - 1) {
            for i in Int(activeStart[y])..<Int(activeStart[y + 1]) {
                (dst + y * activeWidth + Int(activeLo[i])).update(repeating: 0, count: Int(activeHi[i] - activeLo[i]))
            }
        }
    }

    /// Per row, the union of the boxes dilated by `radius` (clamped), as sorted disjoint
    /// half-open intervals. O(Σ dilated box heights + intervals · log).
    private mutating func buildActive(boxes: [Int32], radius r: Int, width w: Int, height h: Int) {
        activeStart.removeAll(keepingCapacity: true)
        activeStart.append(contentsOf: repeatElement(0, count: h + 1))
        let nb = boxes.count / 4
        @inline(__always) func rows(_ b: Int) -> (Int, Int) {
            (max(Int(boxes[4 * b + 1]) - r, 0), min(Int(boxes[4 * b + 3]) + r, h - 1))
        }
        for b in 0..<nb {
            let (y0, y1) = rows(b)
            if y0 > y1 { continue }
            for y in y0...y1 { activeStart[y + 1] += 1 }
        }
        for y in 0..<h { activeStart[y + 1] += activeStart[y] }
        let total = Int(activeStart[h])
        scratchLo.removeAll(keepingCapacity: true); scratchLo.append(contentsOf: repeatElement(0, count: total))
        scratchHi.removeAll(keepingCapacity: true); scratchHi.append(contentsOf: repeatElement(0, count: total))
        fillAt.removeAll(keepingCapacity: true); fillAt.append(contentsOf: activeStart.dropLast())
        for b in 0..<nb {
            let (y0, y1) = rows(b)
            if y0 > y1 { continue }
            let x0 = Int32(max(Int(boxes[4 * b]) - r, 0)), x1 = Int32(min(Int(boxes[4 * b + 2]) + r + 1, w))
            for y in y0...y1 {
                let i = Int(fillAt[y]); fillAt[y] += 1
                scratchLo[i] = x0; scratchHi[i] = x1
            }
        }
        // Sort each row's intervals by start (insertion sort: a handful per row) and merge.
        activeLo.removeAll(keepingCapacity: true); activeHi.removeAll(keepingCapacity: true)
        var out: Int32 = 0
        for y in 0..<h {
            let i0 = Int(activeStart[y]), i1 = Int(activeStart[y + 1])
            if i1 > i0 + 1 {
                for i in (i0 + 1)..<i1 {
                    let a = scratchLo[i], b = scratchHi[i]
                    var j = i - 1
                    while j >= i0 && scratchLo[j] > a { scratchLo[j + 1] = scratchLo[j]; scratchHi[j + 1] = scratchHi[j]; j -= 1 }
                    scratchLo[j + 1] = a; scratchHi[j + 1] = b
                }
            }
            activeStart[y] = out
            var i = i0
            while i < i1 {
                let a = scratchLo[i]
                var b = scratchHi[i]
                i += 1
                while i < i1 && scratchLo[i] <= b { b = max(b, scratchHi[i]); i += 1 }
                activeLo.append(a); activeHi.append(b); out += 1
            }
        }
        activeStart[h] = out
    }

    /// A blurred copy of `image`. O(width × height × radius).
    public mutating func apply(_ image: Image<Float>) -> Image<Float> {
        var out = Image<Float>(width: image.width, height: image.height)
        image.pixels.withUnsafeBufferPointer { s in
            out.pixels.withUnsafeMutableBufferPointer { d in
                apply(s, into: d, width: image.width, height: image.height)
            }
        }
        return out
    }
}

/// A Gaussian-blurred copy of `image` (scikit-image `filters.gaussian(…, preserve_range=True)`
/// with its default `mode='nearest'`, `truncate=4`). O(width × height × σ).
public func gaussianBlur(_ image: Image<Float>, sigma: Double, border: BorderMode = .nearest) -> Image<Float> {
    var g = GaussianBlur(sigma: sigma, border: border)
    return g.apply(image)
}

/// Pixel types the blur reads directly (converted to Float exactly).
public protocol BlurPixel {
    /// `out[x] = Float(src[x])` for `x < count`. O(count), vectorised.
    static func convert(_ src: UnsafePointer<Self>, into out: UnsafeMutablePointer<Float>, count: Int)
}

extension Float: BlurPixel {
    @inline(__always) public static func convert(_ src: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        out.update(from: src, count: count)
    }
}

extension UInt16: BlurPixel {
    @inline(__always) public static func convert(_ src: UnsafePointer<UInt16>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for x in 0..<count { out[x] = Float(src[x]) }
    }
}

extension UInt8: BlurPixel {
    @inline(__always) public static func convert(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for x in 0..<count { out[x] = Float(src[x]) }
    }
}

/// Vertical pass of one row: `out[x] = k0·c[x] + Σⱼ kⱼ·(upⱼ[x] + dnⱼ[x])` accumulated in
/// that order (the order of the unfused passes, so results are bit-identical) in a
/// register, eight lanes at a time. `taps[0]` = centre row, `taps[2j]`/`taps[2j+1]` =
/// rows above/below at distance j. O(n × r).
@inline(__always) func verticalRow(_ out: UnsafeMutablePointer<Float>, taps t: UnsafeMutablePointer<UnsafePointer<Float>?>,
                                   _ k: UnsafePointer<Float>, _ r: Int, _ n: Int, offset: Int = 0) {
    let o = UnsafeMutableRawPointer(out)
    let c = UnsafeRawPointer(t[0]! + offset)
    let k0 = SIMD8<Float>(repeating: k[0])
    var x = 0
    while x + 8 <= n {
        let off = x * 4
        var acc = k0 * c.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
        var j = 1
        while j <= r {
            let a = UnsafeRawPointer(t[2 * j]! + offset).loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(t[2 * j + 1]! + offset).loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            acc = acc + SIMD8<Float>(repeating: k[j]) * (a + b)
            j += 1
        }
        o.storeBytes(of: acc, toByteOffset: off, as: SIMD8<Float>.self)
        x += 8
    }
    while x < n {
        var acc = k[0] * t[0]![offset + x]
        var j = 1
        while j <= r { acc = acc + k[j] * (t[2 * j]![offset + x] + t[2 * j + 1]![offset + x]); j += 1 }
        out[x] = acc
        x += 1
    }
}

/// Horizontal pass of one row from the padded row `pc` (valid at `-r..<n+r`) into `out`,
/// same accumulation order as ``verticalRow``, tracking the minimum and maximum written.
/// O(n × r).
@inline(__always) func horizontalRow(_ out: UnsafeMutablePointer<Float>, _ pc: UnsafePointer<Float>,
                                     _ k: UnsafePointer<Float>, _ r: Int, _ n: Int,
                                     lo: inout SIMD8<Float>, hi: inout SIMD8<Float>, loS: inout Float, hiS: inout Float) {
    let o = UnsafeMutableRawPointer(out), c = UnsafeRawPointer(pc)
    let k0 = SIMD8<Float>(repeating: k[0])
    var x = 0
    while x + 8 <= n {
        let off = x * 4
        var acc = k0 * c.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
        var j = 1
        while j <= r {
            let a = c.loadUnaligned(fromByteOffset: off - 4 * j, as: SIMD8<Float>.self)
            let b = c.loadUnaligned(fromByteOffset: off + 4 * j, as: SIMD8<Float>.self)
            acc = acc + SIMD8<Float>(repeating: k[j]) * (a + b)
            j += 1
        }
        o.storeBytes(of: acc, toByteOffset: off, as: SIMD8<Float>.self)
        // (`replacing(with:where:)` compiles to min/max instructions; pointwiseMin does not.)
        lo = lo.replacing(with: acc, where: acc .< lo); hi = hi.replacing(with: acc, where: acc .> hi)
        x += 8
    }
    while x < n {
        var acc = k[0] * pc[x]
        var j = 1
        while j <= r { acc = acc + k[j] * (pc[x - j] + pc[x + j]); j += 1 }
        out[x] = acc
        loS = min(loS, acc); hiS = max(hiS, acc)
        x += 1
    }
}
