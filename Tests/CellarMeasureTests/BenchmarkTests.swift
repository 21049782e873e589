import CellarBench
import Foundation
import Testing
import CellarImage
import CellarMeasure

/// Prints benchmark figures (no thresholds: timing belongs in `make bench`). Enabled by env
/// `CELLAR_BENCH=1`; run in release: `CELLAR_BENCH=1 swift test -c release --filter Benchmark`.
/// With `CELLAR_BENCH_RAW=<dir>` it also times a field from `<dir>/labels.u32` and
/// `<dir>/dna.u16` (raw little-endian 1024×1024, e.g. converted from synth_plate.py output).
@Suite("Benchmark")
struct BenchmarkTests {
    static var enabled: Bool { ProcessInfo.processInfo.environment["CELLAR_BENCH"] == "1" }

    @Test(.enabled(if: enabled, "set CELLAR_BENCH=1"))
    func syntheticField() {
        print(MeasureBenchmark.runSynthetic(iterations: 100))
        print(MeasureBenchmark.runSynthetic(iterations: 100, channels: 3))
    }

    @Test(.enabled(if: enabled && ProcessInfo.processInfo.environment["CELLAR_BENCH_RAW"] != nil, "set CELLAR_BENCH_RAW"))
    func rawField() throws {
        let dir = ProcessInfo.processInfo.environment["CELLAR_BENCH_RAW"]!
        let side = Int(ProcessInfo.processInfo.environment["CELLAR_BENCH_SIZE"] ?? "1024")!
        let l = try Data(contentsOf: URL(fileURLWithPath: dir + "/labels.u32"))
        let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/dna.u16"))
        let labels = Image<UInt32>(width: side, height: side, pixels: l.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) })
        let dna = Image<UInt16>(width: side, height: side, pixels: d.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) })
        print(try MeasureBenchmark.run(labels: labels, channels: [Channel(name: "DNA", image: .uint16(dna))], iterations: 100))
    }
}
