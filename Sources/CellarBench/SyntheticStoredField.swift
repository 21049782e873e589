import CellarStore
/// Synthetic fields for benchmarks and tests: elliptical nuclei with realistic mask sizes
/// and random feature values (integral values for count-like features, as real ones are).
public enum SyntheticField {
    /// A field of `cells` elliptical nuclei (radii 6–13 px) in a 1024×1024 image, with one
    /// value per column (NaN for one column in 50 cells to exercise NULLs) and masks as the
    /// store keeps them. Deterministic for a seed. O(cells × (columns + mask pixels)).
    public static func make(key: FieldKey, cells: Int, columns: [String], seed: UInt64,
                            channels: [String] = ["DNA"]) -> IngestedField {
        var rng = SeededRandom(seed: seed)
        let m = columns.count
        var values = [Double](repeating: 0, count: cells * m)
        var masks = StoredMasks()
        masks.boxes.reserveCapacity(4 * cells)
        masks.rleOffsets.reserveCapacity(cells + 1)
        let integral = columns.map { name in
            name.hasSuffix("_Area") || name.hasSuffix("ConvexArea") || name.hasSuffix("EulerNumber")
                || name.contains("BoundingBox") || name.hasSuffix("Object_Number")
        }
        var rle: [UInt8] = []
        for i in 0 ..< cells {
            let a = 6 + Int(rng.next() % 8), b = 6 + Int(rng.next() % 8)
            let cx = a + Int(rng.next() % UInt64(1024 - 2 * a)), cy = b + Int(rng.next() % UInt64(1024 - 2 * b))
            rle.removeAll(keepingCapacity: true)
            let area = ellipseRLE(a: a, b: b, into: &rle)
            masks.append(x: cx - a, y: cy - b, width: 2 * a + 1, height: 2 * b + 1, rle: rle)
            for c in 0 ..< m {
                var x: Double
                if integral[c] {
                    x = Double(area + Int(rng.next() % 64))
                } else {
                    x = Double(rng.next() >> 11) * 0x1p-53 * 100
                }
                if columns[c].hasSuffix("Object_Number") { x = Double(i + 1) }
                if c == m - 2 && i % 50 == 0 { x = .nan }
                values[i * m + c] = x
            }
        }
        let images = channels.map { channel in
            ImageRecord(channel: channel, path: "/synthetic/\(key.plate)/\(key.wellName)_s\(key.site)_\(channel).tif",
                        bytes: 2_097_152, mtime: 1_700_000_000, fingerprint: "synthetic-\(seed)",
                        width: 1024, height: 1024, bits: 16)
        }
        return IngestedField(key: key, images: images, cellCount: cells, featureColumns: columns,
                             values: values, masks: masks)
    }

    /// Row-major runs over the (2a+1)×(2b+1) box of an ellipse, background first, as LEB128.
    /// Returns the foreground pixel count. O(box pixels).
    static func ellipseRLE(a: Int, b: Int, into out: inout [UInt8]) -> Int {
        var current = false  // runs start with background
        var length = 0
        var area = 0
        for y in -b ... b {
            for x in -a ... a {
                let inside = (x * x) * (b * b) + (y * y) * (a * a) <= (a * a) * (b * b)
                if inside { area += 1 }
                if inside == current {
                    length += 1
                } else {
                    appendLEB128(length, to: &out)
                    current = inside
                    length = 1
                }
            }
        }
        appendLEB128(length, to: &out)
        return area
    }

    static func appendLEB128(_ value: Int, to out: inout [UInt8]) {
        var v = UInt(value)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}


