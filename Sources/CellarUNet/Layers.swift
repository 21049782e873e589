import CConvKernels
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

/// Convolution kernels on planar (CHW) float buffers. 3×3 convolutions run as direct
/// vectorised convolutions (CConvKernels: eight output channels per pass, AVX-512/AVX2
/// chosen at run time); 1×1 convolutions are one single-threaded OpenBLAS SGEMM.
/// Measured on 1024² fields (`cellar segment --method unet --profile`), the direct kernel
/// beat im2col + SGEMM on every layer of this network: 182 vs 312 ms per field, the
/// narrow full-resolution layers (SGEMM's M = 8) gaining the most.
enum Kernels {
    /// 3×3 (zero padding 1) or 1×1 convolution of `input` (`width × height` planes) into
    /// `output` (`layer.cout` planes), optionally followed by ReLU. `scratch` is grown as
    /// needed. O(width · height · cout · cin · k²).
    /// `variant` names a kernel variant to use instead of the best (tests); false when this
    /// CPU cannot run it.
    @discardableResult
    static func conv(_ layer: ConvLayer, input: Planes, width w: Int, height h: Int,
                     output: UnsafeMutablePointer<Float>, relu: Bool, scratch: inout [Float],
                     variant: String? = nil) -> Bool {
        precondition(input.channels == layer.cin, "\(layer.name): \(input.channels) channels in, expected \(layer.cin)")
        let plane = w * h
        if layer.kernel == 1 {
            // 1×1: the input planes are already the B matrix (one piece, contiguous).
            precondition(input.pieces.count == 1)
            layer.weights.withUnsafeBufferPointer { wt in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(layer.cout), Int32(plane), Int32(layer.cin),
                            1, wt.baseAddress, Int32(layer.cin), input.pieces[0].base, Int32(plane), 0, output, Int32(plane))
            }
            addBias(layer, output: output, plane: plane, relu: relu)
            return true
        }
        var planes: [UnsafePointer<Float>?] = []
        planes.reserveCapacity(layer.cin)
        for piece in input.pieces { for c in 0..<piece.channels { planes.append(piece.base + c * plane) } }
        let need = cellar_conv3x3_scratch(Int32(layer.cin), Int32(w))
        if scratch.count < need { scratch = [Float](repeating: 0, count: need) }
        return scratch.withUnsafeMutableBufferPointer { sb in
            layer.weights.withUnsafeBufferPointer { wt in
                layer.bias.withUnsafeBufferPointer { bs in
                    let (ci, co, ww, hh, r) = (Int32(layer.cin), Int32(layer.cout), Int32(w), Int32(h), Int32(relu ? 1 : 0))
                    guard let variant else {
                        cellar_conv3x3(planes, ci, co, ww, hh, wt.baseAddress, bs.baseAddress, r, output, sb.baseAddress)
                        return true
                    }
                    return cellar_conv3x3_with(variant, planes, ci, co, ww, hh, wt.baseAddress, bs.baseAddress, r,
                                               output, sb.baseAddress) == 1
                }
            }
        }
    }

    /// The instruction set of the 3×3 kernel on this machine ("avx512", "avx2", "portable").
    static var isa: String { String(cString: cellar_conv3x3_isa()) }

    /// Adds the bias (and applies ReLU) to every output plane.
    static func addBias(_ layer: ConvLayer, output: UnsafeMutablePointer<Float>, plane: Int, relu: Bool) {
        let count = plane
        for c in 0..<layer.cout {
            let b = layer.bias[c]
            let p = output + c * plane
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
