import CellarBench
import Foundation
import Testing
import CellarImage
import CellarMeasure

/// pycocotools reference: encodes each label's full-image mask itself and decodes ours.
let cocoScript = #"""
import sys, json
import numpy as np
from pycocotools import mask as M
d = sys.argv[1]
meta = json.load(open(f"{d}/meta.json"))
W, H = meta["width"], meta["height"]
lab = np.fromfile(f"{d}/labels.u32", dtype="<u4").reshape(H, W)
for line in open(f"{d}/mine.tsv"):
    L, s = line.rstrip("\n").split("\t")
    L = int(L)
    m = np.asfortranarray((lab == L).astype(np.uint8))
    ref = M.encode(m)
    dec = M.decode({"size": [H, W], "counts": s.encode()})
    ok = int(np.array_equal(dec, m))
    bb = M.toBbox(ref).tolist()
    print(L, ref["counts"].decode(), int(M.area(ref)), *[repr(float(v)) for v in bb], ok, sep="\t")
"""#

@Suite("COCO RLE")
struct CocoRLETests {
    @Test func stringCodecRoundTrip() {
        var rng = SyntheticCells.RNG(seed: 5)
        for _ in 0..<500 {
            let n = Int.random(in: 1...30, using: &rng)
            let counts = (0..<n).map { i in i == 0 ? Int.random(in: 0...3, using: &rng) : Int.random(in: 1...100_000, using: &rng) }
            #expect(CocoRLE.counts(fromString: CocoRLE.string(fromCounts: counts)) == counts)
        }
    }

    /// Edge cases for COCO: runs that wrap from one column's bottom to the next column's top
    /// (pycocotools then widens the bbox to the full height), corner pixels, and the image's
    /// last pixel (an odd number of counts).
    static func cocoField() -> Image<UInt32> {
        var l = Image<UInt32>(width: 40, height: 30)
        for y in 0..<30 { l[5, y] = 1; l[6, y] = 1 }
        for y in 25..<30 { l[10, y] = 2 }
        for y in 0..<4 { l[11, y] = 2 }
        l[0, 0] = 3
        l[39, 29] = 4
        for y in 10..<20 { for x in 20..<35 where (x - 27) * (x - 27) + (y - 15) * (y - 15) < 20 { l[x, y] = 5 } }
        return l
    }

    @Test(.enabled(if: PythonEnv.enabled, "needs Python with pycocotools (CELLAR_PYTHON or .venv)"),
          arguments: ["coco", "awkward", "stardist"])
    func matchesPycocotools(_ which: String) throws {
        let labels: Image<UInt32>
        switch which {
        case "coco": labels = Self.cocoField()
        case "awkward": labels = TestFields.awkward().labels
        default: labels = try CorpusData.load("stardist_dsb_crop", "img2d", "tif").labels
        }
        let m = try Measurer().measure(labels: labels, channels: [])
        let dir = try PythonEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try RawFile.write(labels, to: dir.appendingPathComponent("labels.u32"))
        try JSONSerialization.data(withJSONObject: ["width": labels.width, "height": labels.height])
            .write(to: dir.appendingPathComponent("meta.json"))
        var mine: [UInt32: CocoRLE] = [:]
        var tsv = ""
        for mask in m.masks {
            let c = try CocoRLE(mask: mask, imageWidth: labels.width, imageHeight: labels.height)
            mine[mask.objectNumber] = c
            tsv += "\(mask.objectNumber)\t\(c.counts)\n"
        }
        try tsv.write(to: dir.appendingPathComponent("mine.tsv"), atomically: true, encoding: .utf8)
        let out = String(decoding: try PythonEnv.run(script: cocoScript, args: [dir.path]), as: UTF8.self)
        var checked = 0
        for line in out.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let c = try #require(mine[UInt32(f[0])!])
            #expect(f[7] == "1", "\(which) \(f[0]): pycocotools decodes our string to a different mask")
            #expect(c.counts == f[1], "\(which) \(f[0]): counts string")
            #expect(c.area == Int(f[2]), "\(which) \(f[0]): area")
            #expect(c.bbox == f[3...6].map { Double($0)! }, "\(which) \(f[0]): bbox \(c.bbox) vs \(f[3...6])")
            #expect(c.height == labels.height && c.width == labels.width)
            checked += 1
        }
        #expect(checked == m.masks.count)
    }
}
