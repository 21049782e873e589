import CellarSegment
import COpenBLAS
import Foundation

/// A growable float buffer with a stable address (the network's activations).
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() { capacity = 0; pointer = .allocate(capacity: 1) }
    deinit { pointer.deallocate() }

    /// Makes room for `n` floats (contents are not kept when it grows).
    @discardableResult func reserve(_ n: Int) -> UnsafeMutablePointer<Float> {
        if n > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: n)
            capacity = n
        }
        return pointer
    }
}

/// Runs a ``UNetModel`` on one image at a time, single-threaded, reusing its activation
/// buffers. One per worker (not `Sendable`). Sets OpenBLAS to one thread: parallelism
/// comes from running one runner per worker.
public final class UNetRunner {
    public let model: UNetModel
    /// When true, ``lastProfile`` receives milliseconds per layer.
    public var profiling = false
    /// Milliseconds per layer of the latest ``logits(_:width:height:)`` call (profiling on),
    /// in execution order; pooling and upsampling are listed separately.
    public private(set) var lastProfile: [(name: String, ms: Double)] = []

    private var encOut: [FloatBuffer]
    private let tmp = FloatBuffer(), pooled = FloatBuffer(), up = FloatBuffer(), reduced = FloatBuffer()
    private var scratch: [Float] = []
    private var upTmp: [Float] = []

    public init(model: UNetModel) {
        self.model = model
        encOut = (0..<model.levels).map { _ in FloatBuffer() }
        openblas_set_num_threads(1)
    }

    /// The image side the network needs a multiple of (2^(levels − 1)).
    public var sizeMultiple: Int { 1 << (model.levels - 1) }

    /// Class logits (3 planes of `width × height`: background, interior, boundary) for a
    /// normalised single-channel image. `width` and `height` must be multiples of
    /// ``sizeMultiple``. O(width · height · ``UNetModel/macsPerPixel``).
    public func logits(_ input: [Float], width w: Int, height h: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * w * h)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                logits(src.baseAddress!, width: w, height: h, into: dst.baseAddress!)
            }
        }
        return out
    }

    /// As ``logits(_:width:height:)``, writing 3 planes into `output`.
    public func logits(_ input: UnsafePointer<Float>, width w: Int, height h: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(w % sizeMultiple == 0 && h % sizeMultiple == 0, "U-Net input \(w)×\(h) must be a multiple of \(sizeMultiple)")
        let levels = model.levels
        var profile: [(String, Double)] = []
        var clock = StageClock(on: profiling)
        func lap(_ name: String) { if profiling { profile.append((name, clock.lap())) } }
        // Encoder.
        for l in 0..<levels {
            let lw = w >> l, lh = h >> l
            let (c0, c1) = model.encoder[l]
            let src: UnsafePointer<Float>
            if l == 0 {
                src = input
            } else {
                let prev = model.encoder[l - 1].1.cout
                let p = pooled.reserve(prev * lw * lh)
                Kernels.maxPool(encOut[l - 1].pointer, channels: prev, width: 2 * lw, height: 2 * lh, into: p)
                src = UnsafePointer(p)
                lap("pool\(l)")
            }
            let t = tmp.reserve(c0.cout * lw * lh)
            Kernels.conv(c0, input: Planes(pieces: [(src, c0.cin)]), width: lw, height: lh, output: t, relu: true, scratch: &scratch)
            lap(c0.name)
            let o = encOut[l].reserve(c1.cout * lw * lh)
            Kernels.conv(c1, input: Planes(pieces: [(UnsafePointer(t), c1.cin)]), width: lw, height: lh, output: o, relu: true, scratch: &scratch)
            lap(c1.name)
        }
        // Decoder, deepest first.
        var cur = UnsafePointer(encOut[levels - 1].pointer)
        var curChannels = model.encoder[levels - 1].1.cout
        for (d, (c0, c1)) in model.decoder.enumerated() {
            let l = levels - 2 - d
            let lw = w >> l, lh = h >> l
            if let r = model.reduce[d] {
                let p = reduced.reserve(r.cout * (lw / 2) * (lh / 2))
                Kernels.conv(r, input: Planes(pieces: [(cur, curChannels)]), width: lw / 2, height: lh / 2,
                             output: p, relu: false, scratch: &scratch)
                cur = UnsafePointer(p)
                curChannels = r.cout
                lap(r.name)
            }
            let u = up.reserve(curChannels * lw * lh)
            Kernels.upsample2(cur, channels: curChannels, width: lw / 2, height: lh / 2, into: u, tmp: &upTmp)
            lap("up\(l)")
            let t = tmp.reserve(c0.cout * lw * lh)
            let skip = model.encoder[l].1.cout
            Kernels.conv(c0, input: Planes(pieces: [(UnsafePointer(u), curChannels), (UnsafePointer(encOut[l].pointer), skip)]),
                         width: lw, height: lh, output: t, relu: true, scratch: &scratch)
            lap(c0.name)
            // The skip at this level is consumed by conv0: its buffer takes the output.
            let o = encOut[l].reserve(c1.cout * lw * lh)
            Kernels.conv(c1, input: Planes(pieces: [(UnsafePointer(t), c1.cin)]), width: lw, height: lh, output: o, relu: true, scratch: &scratch)
            lap(c1.name)
            cur = UnsafePointer(o)
            curChannels = c1.cout
        }
        Kernels.conv(model.head, input: Planes(pieces: [(cur, curChannels)]), width: w, height: h, output: output, relu: false, scratch: &scratch)
        lap("head")
        if profiling { lastProfile = profile }
    }
}
