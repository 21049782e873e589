import CellarImage
import CellarSynth
import Foundation
import Testing

@Suite struct PlateWriterTests {
    private func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("cellar-synth-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private func readUInt16(_ path: String) throws -> Image<UInt16>? {
        if case .uint16(let img) = try ImageFile.read(path) { return img }
        return nil
    }

    @Test(arguments: [WriteMode.rename, .inPlace])
    func writesPlateThatReadsBackExactly(mode: WriteMode) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var writer = PlateWriter(outputDirectory: dir, plate: "P7", wells: ["A01", "B03"], sites: 2, seed: 5,
                                 parameters: SynthParameters(size: 128))
        writer.mode = mode
        writer.workers = 2
        writer.inPlaceDuration = .milliseconds(4)
        let summary = try await writer.run()
        #expect(summary.fields == 4)

        let images = try FileManager.default.contentsOfDirectory(atPath: dir + "/P7").sorted()
        #expect(images == ["P7_A01_s1_w1.TIF", "P7_A01_s2_w1.TIF", "P7_B03_s1_w1.TIF", "P7_B03_s2_w1.TIF"])
        let truths = try FileManager.default.contentsOfDirectory(atPath: dir + "/P7_groundtruth").sorted()
        #expect(truths == images)  // and no .tmp files left behind

        var nuclei = 0
        for field in writer.fields {
            let expected = synthesizeField(plate: "P7", well: field.well, site: field.site, seed: 5, size: 128)
            #expect(try readUInt16(dir + "/" + field.imagePath) == expected.image)
            #expect(try readUInt16(dir + "/" + field.truthPath) == expected.labels)
            nuclei += expected.nucleusCount
        }
        #expect(summary.nuclei == nuclei)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: writer.manifestPath)))
        let entries = (manifest as? [String: Any])?["fields"] as? [[String: Any]] ?? []
        #expect(entries.count == 4)
        #expect(entries.compactMap { $0["nuclei"] as? Int }.reduce(0, +) == nuclei)
        #expect(entries.first?["image"] as? String == "P7/P7_A01_s1_w1.TIF")
    }

    @Test func withoutTruthWritesOnlyImages() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var writer = PlateWriter(outputDirectory: dir, plate: "P1", wells: ["A01"], sites: 1, seed: 1,
                                 parameters: SynthParameters(size: 64))
        writer.writeTruth = false
        let summary = try await writer.run()
        #expect(summary.truthDirectory == nil)
        #expect(FileManager.default.fileExists(atPath: dir + "/P1/P1_A01_s1_w1.TIF"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/P1_groundtruth"))
    }

    @Test func hiddenTemporaryNameIsInSameDirectory() {
        #expect(hiddenTemporaryName(for: "/out/P1/P1_A01_s1_w1.TIF") == "/out/P1/.P1_A01_s1_w1.TIF.tmp")
    }
}
