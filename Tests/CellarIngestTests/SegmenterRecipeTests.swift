import CellarImage
import CellarSegment
import CellarSynth
import CellarUNet
import Testing
@testable import CellarIngest

/// One segmenter interface: every method is built from settings by one recipe and used
/// through `Segmenter` alone, with a common stage profile.
@Suite struct SegmenterRecipeTests {
    @Test func everyMethodIsBuiltFromSettingsAndUsedThroughTheProtocol() throws {
        let field = synthesizeField(plate: "P", well: "A01", site: 1, seed: 3, size: 256).image
        for method in SegmentationMethod.allCases {
            var settings = IngestSettings()
            settings.segmentation.method = method
            let recipe = try SegmenterRecipe(settings: settings)
            #expect(recipe.method == method)
            let segmenter = recipe.makeSegmenter(profiling: true)
            var labels = Image<UInt32>(width: 0, height: 0)
            segmenter.segment(.uint16(field), into: &labels)
            #expect(labels.width == 256 && (labels.pixels.max() ?? 0) > 5, "\(method)")
            #expect(!segmenter.lastStages.stages.isEmpty && segmenter.lastStages.total > 0, "\(method)")
            // The float entry point gives the same labels.
            #expect(segmenter.segment(field.map { Float($0) }) == labels, "\(method)")
        }
        #expect(throws: SettingsError.self) { try IngestSettings.parse(toml: "[segmentation]\nmethod = \"cellpose\"") }
        #expect(try IngestSettings.parse(toml: "[segmentation]\nmethod = \"UNet\"").segmentation.method == .unet)
    }
}
