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
        let n = width * height
        precondition(src.count >= n && dst.count >= n)
        if n == 0 { return }
        let r = halfKernel.count - 1
        if padded.count < width + 2 * r { padded = [Float](repeating: 0, count: width + 2 * r) }
        let border = self.border
        halfKernel.withUnsafeBufferPointer { kb in
            padded.withUnsafeMutableBufferPointer { pb in
                let k = kb.baseAddress!, p = pb.baseAddress!, pc = p + r
                let s = src.baseAddress!, d = dst.baseAddress!
                // One output row at a time: the vertical sum of input rows goes into the
                // padded row buffer (stays in L1), then the horizontal sum into `dst`.
                for y in 0..<height {
                    scaleRow(pc, s + y * width, k[0], width)
                    if r > 0 {
                        for j in 1...r {
                            let up = s + border.index(y - j, height) * width
                            let dn = s + border.index(y + j, height) * width
                            accumulateSymmetric(pc, up, dn, k[j], width)
                        }
                        for j in 1...r {
                            p[r - j] = pc[border.index(-j, width)]
                            p[r + width - 1 + j] = pc[border.index(width - 1 + j, width)]
                        }
                    }
                    let row = d + y * width
                    scaleRow(row, pc, k[0], width)
                    if r > 0 {
                        for j in 1...r { accumulateSymmetric(row, pc - j, pc + j, k[j], width) }
                    }
                }
            }
        }
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

/// `out[x] = w · a[x]` for `x < n`, eight lanes at a time (explicit SIMD: the pointers may
/// alias as far as the compiler knows, which would otherwise keep the loop scalar). O(n).
@inline(__always) func scaleRow(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ w: Float, _ n: Int) {
    let o = UnsafeMutableRawPointer(out), ra = UnsafeRawPointer(a)
    let wv = SIMD8<Float>(repeating: w)
    var x = 0
    while x + 8 <= n {
        o.storeBytes(of: wv * ra.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self), toByteOffset: x * 4, as: SIMD8<Float>.self)
        x += 8
    }
    while x < n { out[x] = w * a[x]; x += 1 }
}

/// `out[x] += w · (a[x] + b[x])` for `x < n`, eight lanes at a time. O(n).
@inline(__always) func accumulateSymmetric(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                           _ b: UnsafePointer<Float>, _ w: Float, _ n: Int) {
    let o = UnsafeMutableRawPointer(out), ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    let wv = SIMD8<Float>(repeating: w)
    var x = 0
    while x + 8 <= n {
        let off = x * 4
        let acc = UnsafeRawPointer(o).loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
        let sum = ra.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self) + rb.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
        o.storeBytes(of: acc + wv * sum, toByteOffset: off, as: SIMD8<Float>.self)
        x += 8
    }
    while x < n { out[x] += w * (a[x] + b[x]); x += 1 }
}
