import CellarImage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic synthetic fields for tests and benchmarks: elliptical "nuclei" with textured
/// 16-bit intensities, labelled 1…N (later nuclei overwrite earlier ones where they overlap,
/// so some objects touch or are cut). Not a substitute for real data; O(width × height).
public enum SyntheticCells {
    /// The generator of the fields (``SeededRandom``).
    public typealias RNG = SeededRandom

    /// A field with about `cells` nuclei of radius `radius` (semi-axes drawn in 0.6…1.4 ×
    /// radius), plus a 16-bit intensity image (background ~ 300, nuclei 3000–20000 with
    /// texture and noise).
    public static func field(width: Int = 1024, height: Int = 1024, cells: Int = 250,
                             radius: Double = 14, seed: UInt64 = 1) -> (labels: Image<UInt32>, dna: Image<UInt16>) {
        var rng = RNG(seed: seed)
        var labels = Image<UInt32>(width: width, height: height)
        var signal = [Float](repeating: 0, count: width * height)
        var label: UInt32 = 0
        for _ in 0..<cells {
            let a = radius * Double.random(in: 0.6...1.4, using: &rng)
            let b = radius * Double.random(in: 0.6...1.4, using: &rng)
            let t = Double.random(in: 0..<Double.pi, using: &rng)
            let cx = Double.random(in: -4...(Double(width) + 4), using: &rng)
            let cy = Double.random(in: -4...(Double(height) + 4), using: &rng)
            let bright = Double.random(in: 3000...20000, using: &rng)
            let (ct, st) = (cos(t), sin(t))
            let r = Int(max(a, b).rounded(.up)) + 1
            label += 1
            var any = false
            for y in stride(from: max(0, Int(cy) - r), through: min(height - 1, Int(cy) + r), by: 1) {
                for x in stride(from: max(0, Int(cx) - r), through: min(width - 1, Int(cx) + r), by: 1) {
                    let dx = Double(x) - cx, dy = Double(y) - cy
                    let u = (dx * ct + dy * st) / a, v = (-dx * st + dy * ct) / b
                    let d2 = u * u + v * v
                    if d2 <= 1 {
                        labels.pixels[y * width + x] = label
                        let tex = 0.8 + 0.2 * sin(Double(x) * 0.7 + Double(label)) * cos(Double(y) * 0.5)
                        signal[y * width + x] = Float(bright * (1 - 0.5 * d2) * tex)
                        any = true
                    }
                }
            }
            if !any { label -= 1 }
        }
        // Relabel 1..N (objects may have been fully overwritten).
        var map = [UInt32](repeating: 0, count: Int(label) + 1)
        var next: UInt32 = 0
        for i in labels.pixels.indices {
            let l = labels.pixels[i]
            if l != 0 {
                if map[Int(l)] == 0 { next += 1; map[Int(l)] = next }
                labels.pixels[i] = map[Int(l)]
            }
        }
        // Renumber in raster order of first appearance is fine: labels stay 1..N.
        var dna = Image<UInt16>(width: width, height: height)
        for i in dna.pixels.indices {
            let noise = Double(rng.next() % 200)
            dna.pixels[i] = UInt16(min(65535, 300 + Double(signal[i]) + noise))
        }
        return (labels, dna)
    }
}
