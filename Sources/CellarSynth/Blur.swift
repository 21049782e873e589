import Foundation

/// Normalised 1-D Gaussian kernel as `scipy.ndimage.gaussian_filter` builds it:
/// radius `Int(4σ + 0.5)`, `2·radius + 1` taps. Returns the taps for offsets
/// `0...radius` only (the kernel is symmetric).
public func halfGaussianKernel(sigma: Double) -> [Float] {
    let r = max(0, Int(4 * sigma + 0.5))
    var w = (0...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
    let total = w[0] + 2 * w.dropFirst().reduce(0, +)
    for i in w.indices { w[i] /= total }
    return w.map { Float($0) }
}

/// Separable Gaussian blur of a `width × height` row-major `Float` buffer in place,
/// with scipy's `reflect` boundary (`d c b a | a b c d`).
///
/// `scratch` must hold `width × height` floats and `rowPad` `width + 2·radius`;
/// both are overwritten. Both passes run "tap outer, pixel inner" over contiguous
/// rows so the inner loops vectorise, using the kernel's symmetry (radius + 1
/// multiply-adds per pixel per pass). Complexity: O(width × height × radius).
public func gaussianBlurInPlace(_ data: UnsafeMutableBufferPointer<Float>, width: Int, height: Int,
                                halfKernel k: [Float],
                                scratch: UnsafeMutableBufferPointer<Float>,
                                rowPad: UnsafeMutableBufferPointer<Float>)
{
    let r = k.count - 1
    precondition(r < width && r < height, "blur radius \(r) exceeds the image")
    precondition(data.count >= width * height && scratch.count >= width * height)
    precondition(rowPad.count >= width + 2 * r)
    guard let src = data.baseAddress, let tmp = scratch.baseAddress, let pad = rowPad.baseAddress
    else { return }
    k.withUnsafeBufferPointer { kp in
        // Horizontal: data → scratch.
        for y in 0..<height {
            let row = src + y * width
            (pad + r).update(from: row, count: width)
            for i in 0..<r {
                pad[r - 1 - i] = row[i]                   // reflect left
                pad[r + width + i] = row[width - 1 - i]   // reflect right
            }
            let out = tmp + y * width
            let c = pad + r
            let k0 = kp[0]
            for x in 0..<width { out[x] = k0 * c[x] }
            for j in stride(from: 1, through: r, by: 1) {
                let kj = kp[j]
                let lo = c - j, hi = c + j
                for x in 0..<width { out[x] += kj * (lo[x] + hi[x]) }
            }
        }
        // Vertical: scratch → data.
        @inline(__always) func reflect(_ i: Int) -> Int {
            i < 0 ? -i - 1 : (i >= height ? 2 * height - i - 1 : i)
        }
        for y in 0..<height {
            let out = src + y * width
            let mid = tmp + y * width
            let k0 = kp[0]
            for x in 0..<width { out[x] = k0 * mid[x] }
            for j in stride(from: 1, through: r, by: 1) {
                let kj = kp[j]
                let lo = tmp + reflect(y - j) * width, hi = tmp + reflect(y + j) * width
                for x in 0..<width { out[x] += kj * (lo[x] + hi[x]) }
            }
        }
    }
}
