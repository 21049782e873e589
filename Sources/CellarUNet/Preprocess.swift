/// Image preparation for the U-Net: the same per-image percentile scaling as training
/// (`train/unet.py: percentile_normalise`), bilinear resizing and reflect padding.
enum Preprocess {
    /// `(x − p_low) / (p_high − p_low)` with percentiles (linear interpolation) of a strided
    /// sample of at most 2^16 pixels (stride ⌈n / 65536⌉ from pixel 0), so 8-bit, 16-bit
    /// and camera-offset images look alike. O(n + 65536 · log 65536).
    static func percentileNormalise(_ pixels: [Float], low: Double = 1, high: Double = 99.8) -> [Float] {
        let n = pixels.count
        guard n > 0 else { return [] }
        let stride = max(1, (n + 65535) / 65536)
        var sample: [Float] = []
        sample.reserveCapacity(n / stride + 1)
        var i = 0
        while i < n { sample.append(pixels[i]); i += stride }
        sample.sort()
        func pct(_ q: Double) -> Float {
            let pos = Double(sample.count - 1) * q / 100
            let a = Int(pos.rounded(.down)), b = min(a + 1, sample.count - 1)
            let t = pos - Double(a)
            return Float(Double(sample[a]) * (1 - t) + Double(sample[b]) * t)
        }
        let lo = pct(low), hi = pct(high)
        let scale: Float = 1 / max(hi - lo, 1e-6)
        return pixels.map { ($0 - lo) * scale }
    }

    /// Bilinear resize (half-pixel centres, as PyTorch `align_corners=False`) of `planes`
    /// planes. O(planes · output pixels).
    static func resize(_ src: [Float], planes: Int, width w: Int, height h: Int, toWidth ow: Int, height oh: Int) -> [Float] {
        var out = [Float](repeating: 0, count: planes * ow * oh)
        let sx = Double(w) / Double(ow), sy = Double(h) / Double(oh)
        var x0 = [Int](repeating: 0, count: ow), x1 = x0, lx = [Float](repeating: 0, count: ow)
        for x in 0..<ow {
            let s = max(0, (Double(x) + 0.5) * sx - 0.5)
            x0[x] = min(Int(s), w - 1); x1[x] = min(x0[x] + 1, w - 1); lx[x] = Float(s - Double(x0[x]))
        }
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for p in 0..<planes {
                    for y in 0..<oh {
                        let fy = max(0, (Double(y) + 0.5) * sy - 0.5)
                        let y0 = min(Int(fy), h - 1), y1 = min(y0 + 1, h - 1), ly = Float(fy - Double(y0))
                        let r0 = p * w * h + y0 * w, r1 = p * w * h + y1 * w, d = p * ow * oh + y * ow
                        for x in 0..<ow {
                            let a = s[r0 + x0[x]] * (1 - lx[x]) + s[r0 + x1[x]] * lx[x]
                            let b = s[r1 + x0[x]] * (1 - lx[x]) + s[r1 + x1[x]] * lx[x]
                            o[d + x] = a * (1 - ly) + b * ly
                        }
                    }
                }
            }
        }
        return out
    }

    /// The `(x, y, w, h)` window of `src` (`width` wide), reflect-padded (no edge repeat,
    /// as NumPy's `reflect`) to `pw × ph`. O(pw · ph).
    static func window(_ src: [Float], width: Int, height: Int, x: Int, y: Int, w: Int, h: Int, paddedWidth pw: Int, paddedHeight ph: Int) -> [Float] {
        var out = [Float](repeating: 0, count: pw * ph)
        func reflect(_ i: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            var i = i
            let period = 2 * (n - 1)
            i %= period
            if i < 0 { i += period }
            return i < n ? i : period - i
        }
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for oy in 0..<ph {
                    let sy = y + reflect(oy, h)
                    for ox in 0..<pw { o[oy * pw + ox] = s[sy * width + x + reflect(ox, w)] }
                }
            }
        }
        return out
    }
}
