import Foundation
import Testing
@testable import CellarIngest

@Suite struct SettingsTests {
    let toml = """
        layout = "scanr"
        dna_channel = "DAPI"
        channels = ["DAPI", "GFP"]
        plate_format = 384
        settle = 1.5
        poll_interval = 10
        [segmentation]
        sigma = 2.0
        min_area = 30
        method = "watershed"
        """

    @Test func parsesCellarTOML() throws {
        let s = try IngestSettings.parse(toml: toml)
        #expect(s.layout == "scanr")
        #expect(s.dnaChannel == "DAPI")
        #expect(s.channels == ["DAPI", "GFP"])
        #expect(s.plateFormat == .wells384)
        #expect(s.effectiveSettle == .milliseconds(1500))
        #expect(s.effectivePollInterval == .seconds(10))
        #expect(s.segmentation.sigma == 2.0)
        #expect(s.segmentation.minArea == 30)
        #expect(s.segmentation.method == .watershed)
        #expect(try s.resolvedLayout()?.name == "scanr")
        #expect(try s.resolvedLayout()?.key(for: "--W00025--P00001--Z00000--T00000--DAPI.tif")?.wellName == "B01")
    }

    @Test func flagsWinOverTheFile() throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try toml.write(toFile: t.path + "/cellar.toml", atomically: true, encoding: .utf8)
        var table = SegmentationSettings()
        table.sigma = 1.0
        let flags = IngestSettings(layout: "imagexpress", channels: ["1", "2"], segmentation: table)
        let m = try flags.merged(withRoot: t.path)
        #expect(m.layout == "imagexpress")
        #expect(m.channels == ["1", "2"])
        #expect(m.dnaChannel == "DAPI")            // from the file
        #expect(m.plateFormat == .wells384)        // from the file
        #expect(m.segmentation.sigma == 1.0)
        #expect(m.segmentation.minArea == 30)
        // No file: unchanged; defaults apply.
        let none = try IngestSettings().merged(withTOMLAt: t.path + "/missing.toml")
        #expect(none == IngestSettings())
        #expect(none.wantsAutoLayout && none.effectiveSettle == .seconds(2) && none.effectivePlateFormat == .wells96)
        #expect(try none.resolvedLayout() == nil)
    }

    @Test func errorsNameTheProblem() throws {
        #expect(throws: SettingsError.self) { try IngestSettings.parse(toml: "chanels = [\"1\"]") }
        #expect(throws: SettingsError.self) { try IngestSettings.parse(toml: "plate_format = 100") }
        #expect(throws: SettingsError.self) { try IngestSettings.parse(toml: "layout = 3") }
        #expect(throws: SettingsError.self) { try IngestSettings.parse(toml: "layout = ") }
        do {
            _ = try IngestSettings.parse(toml: "chanels = 1", path: "/x/cellar.toml")
        } catch {
            #expect(error.description.contains("unknown key 'chanels'"))
        }
        // Typed settings: the nearest valid key, TOML integers as numbers, types named by key.
        #expect { try IngestSettings.parse(toml: "dna_chanel = \"1\"") } throws: { "\($0)".contains("did you mean 'dna_channel'?") }
        #expect { try IngestSettings.parse(toml: "[segmentation]\ndiametre = 30") } throws: {
            "\($0)".contains("[segmentation]: unknown key 'diametre'; did you mean 'diameter'?")
        }
        #expect(try IngestSettings.parse(toml: "[segmentation]\ndiameter = 30\nmin_area = 40.0").segmentation.diameter == 30)
        #expect { try IngestSettings.parse(toml: "[segmentation]\nsigma = \"wide\"") } throws: { "\($0)".contains("'sigma' must be a number") }
        #expect { try IngestSettings.parse(toml: "[segmentation]\nmethod = \"cellpose\"") } throws: { "\($0)".contains("watershed, unet") }
        #expect { try IngestSettings.parse(toml: "settle = -1") } throws: { "\($0)".contains("'settle' must be a number of seconds") }
        #expect(try IngestSettings.parse(toml: "dna_channel = 2\nchannels = [1, \"GFP\"]").channels == ["1", "GFP"])
        #expect(throws: LayoutError.self) { try IngestSettings(layout: "regex").resolvedLayout() }
        #expect(throws: LayoutError.self) { try IngestSettings(layout: "nikon").resolvedLayout() }
    }
}
