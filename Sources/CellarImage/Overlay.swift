/// Quality-control pictures: a contrast-stretched image with each object's
/// outline drawn in its own colour.
public enum Overlay {
    /// Maps the `lowPercentile`…`highPercentile` range of `image` to 0…255.
    /// O(width × height) plus a sort-free percentile from a 65536-bin histogram.
    public static func contrastStretch(_ image: Image<Float>, lowPercentile: Double = 0.5,
                                       highPercentile: Double = 99.8) -> Image<UInt8> {
        guard image.count > 0 else { return Image(width: image.width, height: image.height) }
        var lo = Float.infinity, hi = -Float.infinity
        for v in image.pixels where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        guard lo < hi else { return Image(width: image.width, height: image.height) }
        let bins = 65536
        var histogram = [Int](repeating: 0, count: bins)
        let binScale = Float(bins - 1) / (hi - lo)
        for v in image.pixels where v.isFinite { histogram[Int((v - lo) * binScale)] += 1 }
        func percentile(_ p: Double) -> Float {
            let target = Int(Double(image.count) * p / 100)
            var seen = 0
            for (bin, n) in histogram.enumerated() {
                seen += n
                if seen > target { return lo + Float(bin) / binScale }
            }
            return hi
        }
        let a = percentile(lowPercentile), b = max(percentile(highPercentile), a + 1e-6)
        let scale = 255 / (b - a)
        return image.map { UInt8(max(0, min(255, (($0 - a) * scale).rounded()))) }
    }

    /// RGB pixels (3 bytes each): `background` in gray, and every pixel of an
    /// object that touches another label (4-neighbourhood) in that object's
    /// colour. O(width × height).
    public static func outlines(background: Image<UInt8>, labels: Image<UInt32>) -> [UInt8] {
        precondition(background.width == labels.width && background.height == labels.height)
        let w = labels.width, h = labels.height
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        labels.pixels.withUnsafeBufferPointer { lab in
            background.pixels.withUnsafeBufferPointer { gray in
                rgb.withUnsafeMutableBufferPointer { out in
                    for y in 0..<h {
                        for x in 0..<w {
                            let i = y * w + x
                            let l = lab[i]
                            var edge = false
                            if l != 0 {
                                edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
                                    || lab[i - 1] != l || lab[i + 1] != l || lab[i - w] != l || lab[i + w] != l
                            }
                            if edge {
                                let c = colour(l)
                                out[3 * i] = c.0; out[3 * i + 1] = c.1; out[3 * i + 2] = c.2
                            } else {
                                let g = gray[i]
                                out[3 * i] = g; out[3 * i + 1] = g; out[3 * i + 2] = g
                            }
                        }
                    }
                }
            }
        }
        return rgb
    }

    /// A saturated colour per label, stable across runs (golden-ratio hue steps).
    public static func colour(_ label: UInt32) -> (UInt8, UInt8, UInt8) {
        let hue = (Double(label) * 0.618033988749895).truncatingRemainder(dividingBy: 1) * 6
        let sector = Int(hue), f = hue - Double(sector)
        let (r, g, b): (Double, Double, Double) = switch sector {
        case 0: (1, f, 0)
        case 1: (1 - f, 1, 0)
        case 2: (0, 1, f)
        case 3: (0, 1 - f, 1)
        case 4: (f, 0, 1)
        default: (1, 0, 1 - f)
        }
        return (UInt8(60 + 195 * r), UInt8(60 + 195 * g), UInt8(60 + 195 * b))
    }
}
