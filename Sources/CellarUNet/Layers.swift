import COpenBLAS

/// One convolution with batch norm folded in: `weights` is `[cout][cin][k][k]` row-major
/// (PyTorch's layout), i.e. a `cout × (cin·k·k)` matrix, and `bias` has `cout` values.
public struct ConvLayer: Sendable {
    public let name: String
    public let cin: Int, cout: Int, kernel: Int
    let weights: [Float]
    let bias: [Float]

    init(name: String, weight: Tensor, bias: Tensor) throws(ModelError) {
        guard weight.shape.count == 4, weight.shape[2] == weight.shape[3], [1, 3].contains(weight.shape[2]),
              bias.shape == [weight.shape[0]]
        else { throw ModelError("\(name): weight \(weight.shape) / bias \(bias.shape) is not a 1×1 or 3×3 convolution") }
        self.name = name
        cout = weight.shape[0]; cin = weight.shape[1]; kernel = weight.shape[2]
        weights = weight.values
        self.bias = bias.values
    }

    /// Multiply–adds per output pixel.
    var macsPerPixel: Int { cout * cin * kernel * kernel }
}

/// A set of channel planes of one size, given as (pointer, channel count) pieces so a
/// concatenation (upsampled ⊕ skip) needs no copy. Plane `c` of a piece is at
/// `base + c · width · height`.
struct Planes {
    var pieces: [(base: UnsafePointer<Float>, channels: Int)]
    var channels: Int { pieces.reduce(0) { $0 + $1.channels } }
}

/// Convolution kernels on planar (CHW) float buffers: im2col into a row chunk, then a
/// single-threaded OpenBLAS SGEMM per chunk, then bias and ReLU while the chunk is in cache.
enum Kernels {
    /// 3×3 (zero padding 1) or 1×1 convolution of `input` (`width × height` planes) into
    /// `output` (`layer.cout` planes), optionally followed by ReLU. `cols` is scratch,
    /// grown as needed. O(width · height · cout · cin · k²).
    static func conv(_ layer: ConvLayer, input: Planes, width w: Int, height h: Int,
                     output: UnsafeMutablePointer<Float>, relu: Bool, cols: inout [Float]) {
        precondition(input.channels == layer.cin, "\(layer.name): \(input.channels) channels in, expected \(layer.cin)")
        let plane = w * h
        let k = layer.cin * layer.kernel * layer.kernel
        if layer.kernel == 1 {
            // 1×1: the input planes are already the B matrix (one piece, contiguous).
            precondition(input.pieces.count == 1)
            layer.weights.withUnsafeBufferPointer { wt in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(layer.cout), Int32(plane), Int32(k),
                            1, wt.baseAddress, Int32(k), input.pieces[0].base, Int32(plane), 0, output, Int32(plane))
            }
            addBias(layer, output: output, plane: plane, from: 0, count: plane, relu: relu)
            return
        }
        // Rows per chunk: keep the im2col block near 512 kB so it stays in L2.
        let rows = max(1, min(h, (1 << 17) / max(1, k * w)))
        if cols.count < k * rows * w { cols = [Float](repeating: 0, count: k * rows * w) }
        cols.withUnsafeMutableBufferPointer { cb in
            let colsBase = cb.baseAddress!
            layer.weights.withUnsafeBufferPointer { wt in
                var r0 = 0
                while r0 < h {
                    let r1 = min(h, r0 + rows), n = (r1 - r0) * w
                    im2col3x3(input, width: w, height: h, rows: r0..<r1, into: colsBase)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(layer.cout), Int32(n), Int32(k),
                                1, wt.baseAddress, Int32(k), colsBase, Int32(n), 0, output + r0 * w, Int32(plane))
                    addBias(layer, output: output, plane: plane, from: r0 * w, count: n, relu: relu)
                    r0 = r1
                }
            }
        }
    }

    /// Rows `rows` of the 3×3 patches of `input`: row `(c·9 + ky·3 + kx)` of `cols` holds,
    /// for each output pixel of the chunk, input pixel `(x + kx − 1, y + ky − 1)` of channel
    /// `c` (0 outside). O(channels · 9 · chunk pixels).
    static func im2col3x3(_ input: Planes, width w: Int, height h: Int, rows: Range<Int>,
                          into cols: UnsafeMutablePointer<Float>) {
        let n = rows.count * w
        var row = 0
        for piece in input.pieces {
            for c in 0..<piece.channels {
                let src = piece.base + c * w * h
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let dst = cols + row * n
                        let dx = kx - 1
                        for y in rows {
                            let d = dst + (y - rows.lowerBound) * w
                            let sy = y + ky - 1
                            if sy < 0 || sy >= h { d.update(repeating: 0, count: w); continue }
                            let s = src + sy * w
                            if dx == 0 {
                                d.update(from: s, count: w)
                            } else if dx < 0 {
                                d[0] = 0
                                (d + 1).update(from: s, count: w - 1)
                            } else {
                                d.update(from: s + 1, count: w - 1)
                                d[w - 1] = 0
                            }
                        }
                        row += 1
                    }
                }
            }
        }
    }

    /// Adds the bias (and applies ReLU) to pixels `from ..< from + count` of every output plane.
    static func addBias(_ layer: ConvLayer, output: UnsafeMutablePointer<Float>, plane: Int,
                        from: Int, count: Int, relu: Bool) {
        for c in 0..<layer.cout {
            let b = layer.bias[c]
            let p = output + c * plane + from
            if relu {
                for i in 0..<count { p[i] = max(p[i] + b, 0) }
            } else {
                for i in 0..<count { p[i] += b }
            }
        }
    }

    /// 2×2 max pooling of `channels` planes (`width`, `height` even). O(channels · pixels).
    static func maxPool(_ input: UnsafePointer<Float>, channels: Int, width w: Int, height h: Int,
                        into output: UnsafeMutablePointer<Float>) {
        let ow = w / 2, oh = h / 2
        for c in 0..<channels {
            let src = input + c * w * h, dst = output + c * ow * oh
            for y in 0..<oh {
                let a = src + 2 * y * w, b = a + w, d = dst + y * ow
                for x in 0..<ow {
                    d[x] = max(max(a[2 * x], a[2 * x + 1]), max(b[2 * x], b[2 * x + 1]))
                }
            }
        }
    }

    /// Bilinear ×2 upsampling with PyTorch's `align_corners=False` (half-pixel centres,
    /// clamped at the borders), separable; `tmp` is scratch of `channels · 2w · h`.
    /// O(channels · output pixels).
    static func upsample2(_ input: UnsafePointer<Float>, channels: Int, width w: Int, height h: Int,
                          into output: UnsafeMutablePointer<Float>, tmp: inout [Float]) {
        let ow = 2 * w, oh = 2 * h
        if tmp.count < ow * h { tmp = [Float](repeating: 0, count: ow * h) }
        tmp.withUnsafeMutableBufferPointer { tb in
            let t = tb.baseAddress!
            for c in 0..<channels {
                let src = input + c * w * h, dst = output + c * ow * oh
                // Horizontal: out 2i = .25·in[i−1] + .75·in[i]; out 2i+1 = .75·in[i] + .25·in[i+1].
                for y in 0..<h {
                    let s = src + y * w, d = t + y * ow
                    d[0] = s[0]
                    for i in 1..<max(1, w) { d[2 * i] = 0.25 * s[i - 1] + 0.75 * s[i] }
                    for i in 0..<max(0, w - 1) { d[2 * i + 1] = 0.75 * s[i] + 0.25 * s[i + 1] }
                    d[ow - 1] = s[w - 1]
                }
                // Vertical, the same weights on rows.
                for oy in 0..<oh {
                    let i = oy / 2
                    let (r0, r1, l1): (Int, Int, Float)
                    if oy % 2 == 0 { (r0, r1, l1) = i == 0 ? (0, 0, 0) : (i - 1, i, 0.75) }
                    else { (r0, r1, l1) = (i, min(i + 1, h - 1), 0.25) }
                    let a = t + r0 * ow, b = t + r1 * ow, d = dst + oy * ow
                    let l0 = 1 - l1
                    for x in 0..<ow { d[x] = l0 * a[x] + l1 * b[x] }
                }
            }
        }
    }
}
