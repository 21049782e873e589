import ArgumentParser
import CellarImage
import CellarSegment
import Foundation

/// `cellar evaluate`: instance-segmentation scores of predicted label images against truth.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score predicted label images against ground truth (F1 at IoU 0.5/0.7, DSB mAP, count error).",
        discussion: "Files pair by name without extension (.tif/.tiff/.png). Definitions as ../shared/reference/score.py." + "\n\n" + ExitStatus.help)

    @Option(help: "Folder of ground-truth label images.")
    var truth: String

    @Option(help: "Folder of predicted label images.")
    var predicted: String

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Flag(help: "Also print each image's scores.")
    var perImage = false

    func run() async throws {
        let truthFiles = try ImageInputs.collect([truth])
        let predictedFiles = Dictionary(try ImageInputs.collect([predicted]).map { (ImageInputs.stem($0), $0) },
                                        uniquingKeysWith: { a, _ in a })
        var names: [String] = [], scores: [InstanceScores] = []
        var missing: [String] = []
        for file in truthFiles {
            let stem = ImageInputs.stem(file)
            guard let prediction = predictedFiles[stem] else { missing.append(stem); continue }
            let t = try ImageFile.readLabels(file), p = try ImageFile.readLabels(prediction)
            guard t.width == p.width, t.height == p.height else {
                throw ValidationErrorMessage("\(stem): truth is \(t.width)×\(t.height) but prediction is \(p.width)×\(p.height)")
            }
            names.append(stem)
            scores.append(scoreInstances(truth: t, predicted: p))
        }
        guard !scores.isEmpty else { throw ValidationErrorMessage("no predicted image pairs with a truth image in \(truth)") }
        if !missing.isEmpty { printError("cellar: warning: no prediction for \(missing.count) truth image(s): \(missing.prefix(5).joined(separator: ", "))") }
        let overall = InstanceScoreSummary(scores)
        var table = OutputTable(columns: ["image", "truth", "predicted", "precision@0.5", "recall@0.5", "F1@0.5", "F1@0.7", "mAP", "count_error"])
        func row(_ name: String, truth: Int, predicted: Int, p: Double, r: Double, f5: Double, f7: Double, map: Double, err: Int) -> [OutputValue] {
            [.text(name), .int(truth), .int(predicted), .real(round4(p)), .real(round4(r)), .real(round4(f5)), .real(round4(f7)), .real(round4(map)), .int(err)]
        }
        if perImage {
            for (name, s) in zip(names, scores) {
                table.rows.append(row(name, truth: s.truthCount, predicted: s.predictedCount, p: s.precision(at: 0.5), r: s.recall(at: 0.5),
                                      f5: s.f1(at: 0.5), f7: s.f1(at: 0.7), map: s.meanAP, err: s.countError))
            }
        }
        table.rows.append(row("overall (\(scores.count) images)", truth: overall.truthCount, predicted: overall.predictedCount,
                              p: overall.precision(at: 0.5), r: overall.recall(at: 0.5), f5: overall.f1(at: 0.5),
                              f7: overall.f1(at: 0.7), map: overall.meanAP, err: overall.countError))
        print(table.render(format), terminator: "")
    }

    private func round4(_ v: Double) -> Double { v.isNaN ? v : (v * 10000).rounded() / 10000 }
}
