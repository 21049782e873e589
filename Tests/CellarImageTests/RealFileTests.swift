import Foundation
import Testing
@testable import CellarImage

@Suite("Real files of the test corpus")
struct RealFileTests {
    static let formatRows = (try? TestData.tsv("formats/FILES.tsv")) ?? []

    @Test("formats/FILES.tsv lists the variants")
    func formatsListed() { #expect(Self.formatRows.count >= 18) }

    @Test("every formats/ file decodes exactly as FILES.tsv says", arguments: formatRows.map { $0["file"]! })
    func formatFile(name: String) throws {
        let row = try #require(Self.formatRows.first { $0["file"] == name })
        let image = try ImageFile.read(TestData.path("formats/\(name)"))
        let shape = row["shape_hxw"]!.split(separator: "x").map { Int($0)! }
        #expect(image.height == shape[0] && image.width == shape[1])
        let dtype: String = switch image { case .uint8: "uint8"; case .uint16: "uint16"; case .float32: "float32" }
        #expect(dtype == row["dtype"])
        let expectedSum = Double(row["sum"]!)!
        if dtype == "float32" {
            #expect(abs(image.pixelSum() - expectedSum) / expectedSum < 1e-5)
        } else {
            #expect(image.pixelSum() == expectedSum)
        }
        #expect(Checksum.sha256Hex(image.littleEndianBytes()) == row["sha256_le"])
    }

    @Test("RGB PNG: one channel by index, or luminance on request")
    func luminance() throws {
        let path = TestData.path("formats/u2os8_rgb.png")
        guard case .uint8(let r) = try ImageFile.read(path, channel: .index(0)),
              case .uint8(let g) = try ImageFile.read(path, channel: .index(1)),
              case .uint8(let b) = try ImageFile.read(path, channel: .index(2)),
              case .uint8(let luma) = try ImageFile.read(path, channel: .luminance) else {
            Issue.record("not 8-bit"); return
        }
        #expect(r != g || r != b)
        var mismatches = 0
        for i in 0..<luma.count {
            let expected = (0.299 * Double(r.pixels[i]) + 0.587 * Double(g.pixels[i]) + 0.114 * Double(b.pixels[i])).rounded()
            if Double(luma.pixels[i]) != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("planar 3-sample TIFF (formats/synth16_planar.tif): other samples on request")
    func planarSamples() throws {
        let path = TestData.path("formats/synth16_planar.tif")
        guard case .uint16(let first) = try ImageFile.read(path),
              case .uint16(let second) = try ImageFile.read(path, channel: .index(1)),
              case .uint16(let third) = try ImageFile.read(path, channel: .index(2)) else { Issue.record("not 16-bit"); return }
        // Sample 1 is sample 0 flipped vertically, sample 2 flipped horizontally.
        for (x, y) in [(0, 0), (5, 7), (511, 383), (200, 100)] {
            #expect(second[x, y] == first[x, first.height - 1 - y])
            #expect(third[x, y] == first[first.width - 1 - x, y])
        }
        #expect(throws: ImageError.self) { try ImageFile.read(path, page: 1) }
    }

    @Test("vendor acquisition files read with the shape FILES.tsv gives")
    func vendorFiles() throws {
        let rows = try TestData.tsv("acquisition_names/FILES.tsv")
        #expect(rows.count == 4)
        for row in rows {
            let image = try ImageFile.read(TestData.path("acquisition_names/\(row["vendor"]!)/\(row["file_name"]!)"))
            let shape = row["shape_hxw"]!.split(separator: "x").map { Int($0)! }
            #expect(image.height == shape[0] && image.width == shape[1], "\(row["file_name"]!)")
            #expect(image.bitDepth == 16)
        }
    }

    @Test("every image and label of the segmentation sets reads",
          arguments: ["dsb_u2os_dev", "synthetic_large8", "synthetic_offset16", "stardist_dsb_crop", "dsb_train_256"])
    func segmentationSet(name: String) throws {
        for folder in ["images", "labels"] {
            let dir = TestData.path("\(name)/\(folder)")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(!files.isEmpty)
            for file in files {
                let image = try ImageFile.read("\(dir)/\(file)")
                #expect(image.width > 0 && image.height > 0)
                if folder == "labels" { #expect(image.bitDepth == 16, "\(file)") }
            }
        }
    }
}
