import CellarImage
import CellarSegment
import CellarTestSupport
import Foundation
import Testing

/// The repository's test corpus (`Tests/Corpus`).
let dataRoot = TestEnvironment.corpus

/// The full dev sets (`../shared/data`), for the opt-in accuracy evaluation only.
let sharedDataRoot = TestEnvironment.sharedData

/// Reads a label image (8/16-bit PNG/TIFF) as UInt32.
func readLabels(_ path: String) throws -> Image<UInt32> {
    switch try ImageFile.read(path) {
    case .uint8(let i): return i.map { UInt32($0) }
    case .uint16(let i): return i.map { UInt32($0) }
    case .float32(let i): return i.map { UInt32($0) }
    }
}

/// A labelled data set folder: `images/<stem>.*` paired with `labels/<stem>.*`.
func datasetPairs(_ folder: String) -> [(stem: String, image: String, labels: String)] {
    let fm = FileManager.default
    func index(_ d: String) -> [String: String] {
        var m: [String: String] = [:]
        for f in ((try? fm.contentsOfDirectory(atPath: d)) ?? []).sorted() {
            let u = URL(fileURLWithPath: f)
            guard ["tif", "tiff", "png"].contains(u.pathExtension.lowercased()) else { continue }
            let stem = u.deletingPathExtension().lastPathComponent
            if m[stem] == nil { m[stem] = d + "/" + f }
        }
        return m
    }
    let im = index(folder + "/images"), lb = index(folder + "/labels")
    return im.keys.sorted().compactMap { k in lb[k].map { (k, im[k]!, $0) } }
}

/// Filled disk of radius `r` centred at (cx, cy) painted with `value`.
func paintDisk(_ img: inout Image<Float>, cx: Double, cy: Double, r: Double, value: Float) {
    for y in 0..<img.height {
        for x in 0..<img.width {
            let dx = Double(x) - cx, dy = Double(y) - cy
            if dx * dx + dy * dy <= r * r { img[x, y] = max(img[x, y], value) }
        }
    }
}
