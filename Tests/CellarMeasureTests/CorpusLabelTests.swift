import Foundation
import Testing
import CellarImage
import CellarMeasure
import CellarTestSupport

/// Label sets of the test corpus (16-bit PNG labels + their images): real DSB2018 and
/// StarDist samples, and synthetic fields for a camera offset and for large nuclei.
enum CorpusData {
    static let root = URL(fileURLWithPath: TestEnvironment.corpus)

    /// (set, stem, image extension) of the samples used.
    static let samples: [(String, String, String)] = [
        ("stardist_dsb_crop", "img2d", "tif"),
        ("dsb_u2os_dev", "07fb37aafa6626608af90c1e18f6a743f29b6b233d2e427dcd1102df6a916cf5", "png"),
        ("synthetic_large8", "large8", "tif"),
        ("synthetic_offset16", "offset16", "tif"),
    ]

    static func load(_ set: String, _ stem: String, _ ext: String) throws -> (labels: Image<UInt32>, image: AnyImage) {
        let dir = root.appendingPathComponent(set)
        let l = try ImageFile.read(dir.appendingPathComponent("labels/\(stem).png").path)
        let img = try ImageFile.read(dir.appendingPathComponent("images/\(stem).\(ext)").path)
        let labels: Image<UInt32>
        switch l {
        case .uint8(let i): labels = i.map { UInt32($0) }
        case .uint16(let i): labels = i.map { UInt32($0) }
        case .float32(let i): labels = i.map { UInt32($0) }
        }
        return (labels, img)
    }
}

@Suite("Corpus label sets")
struct CorpusLabelTests {
    @Test(.enabled(if: PythonEnv.enabled, "needs Python with scikit-image (CELLAR_PYTHON or .venv)"),
          arguments: CorpusData.samples.map { "\($0.0)/\($0.1)/\($0.2)" })
    func featuresMatchRegionprops(_ sample: String) throws {
        let p = sample.split(separator: "/").map(String.init)
        let (labels, image) = try CorpusData.load(p[0], p[1], p[2])
        try crossCheck(labels: labels, channels: [Channel(name: "DNA", image: image)], note: p[0])
    }

    @Test(arguments: CorpusData.samples.map { "\($0.0)/\($0.1)/\($0.2)" })
    func masksRebuildLabelsExactly(_ sample: String) throws {
        let p = sample.split(separator: "/").map(String.init)
        let (labels, image) = try CorpusData.load(p[0], p[1], p[2])
        let m = try Measurer().measure(labels: labels, channels: [Channel(name: "DNA", image: image)])
        let rebuilt = try LabelImage.rebuild(width: labels.width, height: labels.height, masks: m.masks)
        #expect(rebuilt == labels)
        #expect(m.masks.count == Set(labels.pixels).subtracting([0]).count)
        print("\(p[0]): \(m.masks.count) objects, mask RLE \(m.masks.meanBytesPerMask) B/object")
    }
}
