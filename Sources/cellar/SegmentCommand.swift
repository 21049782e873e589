import ArgumentParser
import CellarImage
import CellarIngest
import CellarMeasure
import CellarSegment
import CellarUNet
import Foundation

/// Which segmenter `cellar segment` runs.
/// `cellar segment`: segment images without a database (QC, parameter choice, scoring).
struct SegmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment nuclei in TIFF/PNG images; write label images, QC overlays and a feature table.",
        discussion: "Prints cells per image and throughput. No database is involved." + "\n\n" + ExitStatus.help)

    @Argument(help: "Image files or folders of .tif/.tiff/.png.")
    var inputs: [String]

    @Option(help: "Write a label image per input here (<name>.tif, 16-bit or 32-bit).")
    var labelsOut: String?

    @Option(help: "Write a QC overlay per input here (<name>.png: the image with each nucleus outlined).")
    var overlay: String?

    @Option(help: "Write per-cell CellProfiler-named features of every image to this CSV file.")
    var csv: String?

    @Option(help: "Parallel workers (default: number of cores).")
    var workers: Int?

    @Flag(help: "Print milliseconds per segmentation stage.")
    var profile = false

    @Option(help: "Segmentation method: watershed (classical) or unet (the committed U-Net).")
    var method: SegmentationMethod = .watershed

    @Option(help: "U-Net model file (.safetensors; default: the model built into cellar, Models/cellar-unet.safetensors).")
    var model: String?

    @OptionGroup var segmentation: SegmentationOptions

    func run() async throws {
        let files = try ImageInputs.collect(inputs)
        guard !files.isEmpty else { throw ValidationErrorMessage("no .tif/.tiff/.png images in \(inputs.joined(separator: " "))") }
        var settings = IngestSettings(segmentation: segmentation.settings)
        settings.segmentation.method = method
        settings.segmentation.model = model
        let recipe = try SegmenterRecipe(settings: settings)
        for dir in [labelsOut, overlay].compactMap({ $0 }) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let csvWriter = try csv.map { try CellCSVWriter(path: $0) }
        if let unet = recipe.model { print("U-Net \(unet.path ?? "built in") sha256 \(unet.sha256)") }
        let workerCount = min(max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount), files.count)
        let started = ContinuousClock.now
        let results = await withTaskGroup(of: [SegmentResult].self) { group in
            for worker in 0..<workerCount {
                group.addTask { [labelsOut, overlay, profile, csv] in
                    let segmenter = recipe.makeSegmenter(profiling: profile)
                    let measurer = csv == nil ? nil : Measurer()
                    var out: [SegmentResult] = []
                    for index in stride(from: worker, to: files.count, by: workerCount) {
                        out.append(Self.segmentOne(files[index], index: index, segmenter: segmenter, measurer: measurer,
                                                   labelsOut: labelsOut, overlay: overlay))
                    }
                    return out
                }
            }
            var all: [SegmentResult] = []
            for await part in group { all += part }
            return all.sorted { $0.index < $1.index }
        }
        let seconds = (ContinuousClock.now - started).seconds
        var table = OutputTable(columns: ["image", "width", "height", "cells", "error"])
        var failures = 0, cells = 0
        var stageTotal = StageTimings()
        for r in results {
            if let error = r.error { failures += 1; table.rows.append([.text(r.path), .text(""), .text(""), .text(""), .text(error)]); continue }
            cells += r.cells
            stageTotal += r.stages
            table.rows.append([.text(r.path), .int(r.width), .int(r.height), .int(r.cells), .text("")])
            if let m = r.measurements { try csvWriter?.append(image: ImageInputs.stem(r.path), table: m) }
        }
        try csvWriter?.close()
        print(table.render(.table), terminator: "")
        let done = results.count - failures
        print(String(format: "%d image(s), %d cells in %.2f s: %.1f images/s with %d worker(s)",
                     done, cells, seconds, Double(done) / max(seconds, 1e-9), workerCount))
        if profile, done > 0 {
            let what = recipe.method == .unet ? "U-Net stages and layers (3×3 kernels \(UNetSegmenter.kernelInstructionSet))" : "segmentation stages"
            print("\(what), ms per image: " + stageTotal.divided(by: Double(done)).summary)
        }
        if failures > 0 { throw ExitCode(1) }
    }

    struct SegmentResult: Sendable {
        var index: Int
        var path: String
        var width = 0, height = 0, cells = 0
        var stages = StageTimings()
        var measurements: CellTable?
        var error: String?
    }

    static func segmentOne(_ path: String, index: Int, segmenter: any Segmenter, measurer: Measurer?,
                           labelsOut: String?, overlay: String?) -> SegmentResult {
        var result = SegmentResult(index: index, path: path)
        do {
            let image = try ImageFile.read(path)
            let floats = image.floatImage()
            let labels = segmenter.segment(floats)
            result.width = image.width
            result.height = image.height
            result.cells = Int(labels.pixels.max() ?? 0)
            result.stages = segmenter.lastStages
            let stem = ImageInputs.stem(path)
            if let labelsOut { try ImageFile.writeLabelsTIFF(labels, to: "\(labelsOut)/\(stem).tif") }
            if let overlay {
                let rgb = Overlay.outlines(background: Overlay.contrastStretch(floats), labels: labels)
                try ImageFile.writePNGRGB(rgb, width: labels.width, height: labels.height, to: "\(overlay)/\(stem).png")
            }
            if let measurer {
                result.measurements = try measurer.measure(labels: labels, channels: [Channel(name: "DNA", image: image)]).table
            }
        } catch let error as ImageError {
            result.error = error.reason
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}


