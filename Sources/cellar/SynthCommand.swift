import ArgumentParser
import CellarImage
import CellarSynth
import Foundation

extension WriteMode: ExpressibleByArgument {}

/// `cellar synth`: writes a synthetic plate of DNA-stain fields with exact ground truth.
struct SynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic plate of nuclei images with exact ground-truth labels.",
        discussion: """
            Files follow ImageXpress names: OUTDIR/P1/P1_B03_s2_w1.TIF (16-bit raw) and \
            OUTDIR/P1_groundtruth/P1_B03_s2_w1.TIF (16-bit labels). Every field depends only \
            on (seed, plate, well, site), so reruns give identical files.
            """ + "\n\n" + ExitStatus.help)

    @Argument(help: "Output directory (created if missing).")
    var outdir: String

    @Option(help: "Plate name.")
    var plate = "P1"

    @Option(help: "Wells: 96, 384 or 1536 for a full plate, or N for the first N wells (row-major).")
    var wells = 96

    @Option(help: "Sites (fields) per well.")
    var sites = 1

    @Option(help: "Field side in pixels (nuclei count scales with area).")
    var size = 1024

    @Option(help: "Master seed.")
    var seed: UInt64 = 1

    @Flag(inversion: .prefixedNo, help: "Write ground-truth labels to OUTDIR/PLATE_groundtruth (and OUTDIR/cellar.toml telling ingest to ignore them).")
    var truth = true

    @Option(help: "Fields per second, like a microscope acquiring (default: as fast as possible).")
    var rate: Double?

    @Option(name: .customLong("write-mode"), help: "rename (atomic, via .NAME.tmp), inplace (slow chunked writes) or mixed (alternating).")
    var writeMode: WriteMode = .rename

    @Option(help: "Parallel workers (default: all cores).")
    var workers: Int?

    @Flag(help: "Deflate-compress the TIFFs.")
    var deflate = false

    @Flag(name: .shortAndLong, help: "Print a line per field.")
    var verbose = false

    func validate() throws {
        guard selectWells(wells) != nil else {
            throw ValidationError("--wells must be 1…1536 (96, 384, 1536 = full plate), got \(wells)")
        }
        guard sites >= 1 else { throw ValidationError("--sites must be at least 1") }
        guard size >= 32 else { throw ValidationError("--size must be at least 32") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        guard !plate.isEmpty, !plate.contains("/") else { throw ValidationError("--plate must be a plain name") }
    }

    func run() async throws {
        let (format, wellNames) = selectWells(wells)!
        var writer = PlateWriter(outputDirectory: outdir, plate: plate, wells: wellNames, sites: sites,
                                 seed: seed, parameters: SynthParameters(size: size))
        writer.writeTruth = truth
        writer.rate = rate
        writer.mode = writeMode
        if let workers { writer.workers = workers }
        writer.compression = deflate ? .deflate : .none
        let printEach = verbose || rate != nil
        let outdir = self.outdir
        let summary = try await writer.run { w in
            guard printEach else { return }
            let name = String(w.imagePath.dropFirst(outdir.count + 1))
            // Unbuffered, so a rate-limited run shows fields as they land.
            FileHandle.standardOutput.write(Data("\(name)  \(w.nucleusCount) nuclei\n".utf8))
        }
        let perField = summary.generationSeconds / Double(max(summary.fields, 1)) * 1000
        print("""
            wrote \(summary.fields) fields (\(wellNames.count) wells of a \(format) plate × \(sites) sites, \
            \(size)×\(size)) to \(summary.imageDirectory)\
            \(summary.truthDirectory.map { ", truth in \($0) (left alone by ingest: \(writer.settingsPath))" } ?? ""), manifest \(writer.manifestPath)
            \(summary.nuclei) nuclei (\(String(format: "%.1f", Double(summary.nuclei) / Double(max(summary.fields, 1)))) per field); \
            \(String(format: "%.2f", summary.seconds)) s, \
            \(String(format: "%.1f", Double(summary.fields) / max(summary.seconds, 1e-9))) fields/s, \
            synthesis \(String(format: "%.1f", perField)) ms/field
            """)
    }
}
