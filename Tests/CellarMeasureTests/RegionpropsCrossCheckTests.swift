import CellarBench
import Foundation
import Testing
import CellarImage
import CellarMeasure

/// Tolerances of the cross-check against scikit-image / numpy (see `tolerance(for:)`):
/// - exact (bit-equal doubles): object number, Area, bounding box, BoundingBoxArea, Center_X/Y
///   (both), EulerNumber, ConvexArea, Min/Max/IntegratedIntensity of integer channels;
/// - relative 1e-12: Perimeter, FormFactor, Compactness, Solidity, Extent, EquivalentDiameter
///   and the other intensity statistics (different summation order only);
/// - relative 1e-6 (absolute floor 1e-9): moment-based MajorAxisLength, MinorAxisLength,
///   Eccentricity, Orientation;
/// - relative 1e-9: Min/MaxFeretDiameter against an independent qhull implementation of
///   CellProfiler's definition; against scikit-image's `feret_diameter_max` (a different
///   definition) MaxFeretDiameter is never longer and at most 2 px shorter (observed ≤ 1.72 px).
enum Tol {
    case exact, rel(Double), relAbs(Double, Double)
}

func tolerance(for column: String, integerChannel: Bool) -> Tol {
    let exactShape = ["_Number_Object_Number", "_AreaShape_Area", "_BoundingBox", "Center_X", "Center_Y",
                      "_EulerNumber", "_ConvexArea"]
    if exactShape.contains(where: { column.contains($0) }) && !column.contains("CenterMassIntensity") { return .exact }
    if integerChannel && (column.contains("_MinIntensity_") || column.contains("_MaxIntensity_")
                          || column.contains("_IntegratedIntensity_")) { return .exact }
    if ["MajorAxisLength", "MinorAxisLength", "Eccentricity", "Orientation"].contains(where: { column.hasSuffix($0) }) {
        return .relAbs(1e-6, 1e-9)
    }
    if column.contains("Feret") { return .relAbs(1e-9, 1e-12) }
    if column.contains("MassDisplacement") { return .relAbs(1e-9, 1e-9) }
    return .relAbs(1e-12, 1e-12)
}

func within(_ a: Double, _ b: Double, _ t: Tol) -> Bool {
    switch t {
    case .exact: return a == b
    case .rel(let r): return abs(a - b) <= r * max(abs(a), abs(b))
    case .relAbs(let r, let f): return abs(a - b) <= r * max(abs(a), abs(b)) + f
    }
}

/// Runs the Python reference on `labels`/`channels` and compares every feature of every object.
func crossCheck(labels: Image<UInt32>, channels: [Channel], note: String) throws {
    let dir = try PythonEnv.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try RawFile.write(labels, to: dir.appendingPathComponent("labels.u32"))
    var metaChannels: [[String: Any]] = []
    for c in channels {
        let file = "\(c.name).raw"
        let dtype: String
        switch c.image {
        case .uint8(let i): try RawFile.write(i, to: dir.appendingPathComponent(file)); dtype = "u1"
        case .uint16(let i): try RawFile.write(i, to: dir.appendingPathComponent(file)); dtype = "<u2"
        case .float32(let i): try RawFile.write(i, to: dir.appendingPathComponent(file)); dtype = "<f4"
        }
        metaChannels.append(["name": c.name, "file": file, "dtype": dtype, "scale": c.fullScale == c.fullScale.rounded() ? Int(c.fullScale) as Any : c.fullScale as Any])
    }
    let meta: [String: Any] = ["width": labels.width, "height": labels.height, "object": "Nuclei", "channels": metaChannels]
    try JSONSerialization.data(withJSONObject: meta).write(to: dir.appendingPathComponent("meta.json"))

    let out = try PythonEnv.run(script: referenceScript, args: [dir.path])
    // label → column → value (nil = None); Double(String) rounds correctly, unlike some JSON parsers.
    var parsed: [Int: [String: Double?]] = [:]
    var order: [Int] = []
    for line in String(decoding: out, as: UTF8.self).split(separator: "\n") {
        let f = line.split(separator: "\t").map(String.init)
        guard f.count == 3, let label = Int(f[0]) else { continue }
        if parsed[label] == nil { order.append(label) }
        parsed[label, default: [:]][f[1]] = f[2] == "None" ? Double?.none : Double(f[2])
    }
    let rows = order.map { parsed[$0]! }

    let m = try Measurer().measure(labels: labels, channels: channels)
    let t = m.table
    #expect(t.rowCount == rows.count, "\(note): object count")
    let byNumber = Dictionary(uniqueKeysWithValues: t.objectNumbers.enumerated().map { ($1, $0) })
    var compared = 0, failures = 0
    var worstSkimageFeret = 0.0
    for ref in rows {
        let number = Int(ref["Nuclei_Number_Object_Number"]!!)
        guard let row = byNumber[number] else { Issue.record("\(note): object \(number) missing"); continue }
        for (ci, name) in t.columnNames.enumerated() {
            let mine = t[row, ci]
            let refValue = ref[name]
            let integerChannel = channels.first { name.hasSuffix("_" + $0.name) }.map {
                if case .float32 = $0.image { return false } else { return true }
            } ?? true
            compared += 1
            switch (mine, refValue) {
            case (nil, .some(.none)): continue
            case (let a?, .some(.some(let b))):
                let tol = tolerance(for: name, integerChannel: integerChannel)
                if !within(a, b, tol) {
                    failures += 1
                    if failures <= 40 { Issue.record("\(note): object \(number) \(name): mine \(a), reference \(b)") }
                }
            default:
                failures += 1
                if failures <= 40 { Issue.record("\(note): object \(number) \(name): mine \(String(describing: mine)), reference \(String(describing: refValue))") }
            }
        }
        // scikit-image's own max Feret (contour of the convex image) vs CellProfiler's.
        if let sk = ref["skimage_feret_diameter_max"] ?? nil,
           let mine = t[row, FeatureSet.column(.maxFeretDiameter)] {
            worstSkimageFeret = max(worstSkimageFeret, sk - mine)
            #expect(mine <= sk + 1e-9 && sk - mine <= 2, "\(note): object \(number) MaxFeret \(mine) vs skimage \(sk)")
        }
        // scikit-image's intensity properties agree with ours.
        for c in channels {
            for (key, f) in [("mean", IntensityFeature.meanIntensity), ("min", .minIntensity), ("max", .maxIntensity)] {
                if let sk = ref["skimage_intensity_\(key)_\(c.name)"] ?? nil,
                   let ci = channels.firstIndex(where: { $0.name == c.name }),
                   let mine = t[row, FeatureSet.column(f, channel: ci)] {
                    #expect(within(mine, sk, .relAbs(1e-6, 1e-12)), "\(note): \(number) skimage intensity_\(key)_\(c.name)")
                }
            }
        }
    }
    print("cross-check \(note): \(rows.count) objects, \(compared) values, \(failures) mismatches; "
          + "skimage feret_diameter_max − MaxFeretDiameter ≤ \(worstSkimageFeret) px")
}

@Suite("Features vs scikit-image regionprops")
struct RegionpropsCrossCheckTests {
    @Test(.enabled(if: PythonEnv.enabled, "needs Python with scikit-image (CELLAR_PYTHON or .venv)"))
    func awkwardField() throws {
        let f = TestFields.awkward()
        try crossCheck(labels: f.labels, channels: TestFields.channels(f.dna), note: "awkward")
    }

    @Test(.enabled(if: PythonEnv.enabled, "needs Python with scikit-image (CELLAR_PYTHON or .venv)"))
    func syntheticField() throws {
        let f = SyntheticCells.field(width: 512, height: 512, cells: 80, radius: 14, seed: 3)
        try crossCheck(labels: f.labels, channels: [Channel(name: "DNA", image: .uint16(f.dna))], note: "synthetic")
    }

    /// Random patterns (noise, checkerboards, lines, holes — many disconnected pieces).
    @Test(.enabled(if: PythonEnv.enabled, "needs Python with scikit-image (CELLAR_PYTHON or .venv)"))
    func randomPatternField() throws {
        var rng = SyntheticCells.RNG(seed: 11)
        let w = 160, h = 120
        var labels = Image<UInt32>(width: w, height: h)
        for l in UInt32(1)...40 {
            let bw = Int.random(in: 1...40, using: &rng), bh = Int.random(in: 1...40, using: &rng)
            let x0 = Int.random(in: 0...(w - bw), using: &rng), y0 = Int.random(in: 0...(h - bh), using: &rng)
            let kind = MaskPatterns.kinds[Int(l) % MaskPatterns.kinds.count]
            let bits = MaskPatterns.make(kind, width: bw, height: bh, rng: &rng)
            for y in 0..<bh { for x in 0..<bw where bits[y * bw + x] { labels[x0 + x, y0 + y] = l } }
        }
        let dna = Image<UInt16>(width: w, height: h, pixels: (0..<(w * h)).map { _ in UInt16(truncatingIfNeeded: rng.next() % 5000) })
        try crossCheck(labels: labels, channels: [Channel(name: "DNA", image: .uint16(dna))], note: "random patterns")
    }
}
