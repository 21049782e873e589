import CellarImage
import CellarSegment
import CellarTestSupport
import Foundation
import Testing
@testable import CellarUNet

private let packageRoot = URL(fileURLWithPath: TestEnvironment.packageRoot)
private let fixtures = packageRoot.appendingPathComponent("Tests/CellarUNetTests/Fixtures")
private let modelPath = packageRoot.appendingPathComponent("Models/\(UNetModel.defaultFileName)").path

private func readF32(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { raw in (0..<data.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
}

/// Deterministic pseudo-random floats in [−1, 1).
private func noise(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed
    return (0..<n).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: s >> 11) % 2_000_000) / 1_000_000 - 1
    }
}

@Test func sha256KnownVectors() {
    #expect(Checksum.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Checksum.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    #expect(Checksum.sha256Hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
}

@Test func safetensorsRoundTripAndErrors() throws {
    let t = ["a.weight": Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]), "b": Tensor(shape: [1], values: [0.25])]
    let bytes = SafeTensors.encode(t, metadata: ["k": "v"])
    let (back, meta) = try SafeTensors.parse(bytes)
    #expect(back == t)
    #expect(meta == ["k": "v"])
    #expect(throws: ModelError.self) { try SafeTensors.parse([1, 2, 3]) }
    var truncated = bytes
    truncated.removeLast(4)
    #expect(throws: ModelError.self) { try SafeTensors.parse(truncated) }
}

/// Naive 3×3 convolution (zero padding) as the reference for the direct kernel.
private func naiveConv(_ x: [Float], cin: Int, w: Int, h: Int, weights: [Float], bias: [Float], cout: Int) -> [Float] {
    var out = [Float](repeating: 0, count: cout * w * h)
    for co in 0..<cout { for y in 0..<h { for xx in 0..<w {
        var s = bias[co]
        for ci in 0..<cin { for ky in 0..<3 { for kx in 0..<3 {
            let sy = y + ky - 1, sx = xx + kx - 1
            if sy < 0 || sy >= h || sx < 0 || sx >= w { continue }
            s += weights[((co * cin + ci) * 3 + ky) * 3 + kx] * x[ci * w * h + sy * w + sx]
        } } }
        out[co * w * h + y * w + xx] = max(s, 0)
    } } }
    return out
}

/// Every kernel variant this CPU runs; widths off the vector width and output channels off
/// the block of eight (5, 11) included.
@Test(arguments: ["portable", "avx2", "avx512"], [5, 11, 16])
func convolutionMatchesNaiveAcrossConcatenatedInputs(variant: String, cout: Int) throws {
    let w = 37, h = 23, ca = 3, cb = 2
    let a = noise(ca * w * h, seed: 1), b = noise(cb * w * h, seed: 2)
    let wt = noise(cout * (ca + cb) * 9, seed: 3), bias = noise(cout, seed: 4)
    let layer = try ConvLayer(name: "t", weight: Tensor(shape: [cout, ca + cb, 3, 3], values: wt), bias: Tensor(shape: [cout], values: bias))
    var out = [Float](repeating: 0, count: cout * w * h)
    var scratch: [Float] = []
    let ran = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
        Kernels.conv(layer, input: Planes(pieces: [(pa.baseAddress!, ca), (pb.baseAddress!, cb)]), width: w, height: h,
                     output: po.baseAddress!, relu: true, scratch: &scratch, variant: variant)
    } } }
    if !ran { #expect(variant != "portable"); return }   // this CPU cannot run the variant
    let expected = naiveConv(a + b, cin: ca + cb, w: w, h: h, weights: wt, bias: bias, cout: cout)
    let maxErr = zip(out, expected).map { abs($0 - $1) }.max()!
    #expect(maxErr < 1e-5)
}

@Test func upsampleMatchesHalfPixelBilinear() {
    let w = 5, h = 3
    let x = noise(w * h, seed: 9)
    var out = [Float](repeating: 0, count: 4 * w * h)
    var tmp: [Float] = []
    x.withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in
        Kernels.upsample2(px.baseAddress!, channels: 1, width: w, height: h, into: po.baseAddress!, tmp: &tmp)
    } }
    let generic = Preprocess.resize(x, planes: 1, width: w, height: h, toWidth: 2 * w, height: 2 * h)
    #expect(zip(out, generic).allSatisfy { abs($0 - $1) < 1e-6 })
}

@Test func instancesSplitTouchingNucleiAtTheBoundaryClass() {
    // Two 10×10 squares side by side with a boundary column between them.
    let w = 30, h = 16, n = w * h
    var interior = [Float](repeating: 0, count: n), background = [Float](repeating: 1, count: n)
    for y in 3..<13 { for x in 4..<25 {
        background[y * w + x] = 0
        interior[y * w + x] = (x == 14 || y == 3 || y == 12 || x == 4 || x == 24) ? 0.1 : 0.9
    } }
    var builder = InstanceBuilder()
    var p = SegmentationParameters()
    p.minArea = 10
    let labels = interior.withUnsafeBufferPointer { i in background.withUnsafeBufferPointer { b in
        builder.labels(interior: i, background: b, width: w, height: h, seedThreshold: 0.5, foregroundThreshold: 0.5,
                       minSeedArea: 4, parameters: p)
    } }
    #expect(labels.pixels.max() == 2)
    #expect(labels.pixels.filter { $0 > 0 }.count == 10 * 21)   // grown over the boundary pixels too
}

@Test func swiftLogitsMatchPyTorch() throws {
    let model = try UNetModel(path: modelPath)
    let input = try readF32(fixtures.appendingPathComponent("input_64x64.f32"))
    let expected = try readF32(fixtures.appendingPathComponent("logits_3x64x64.f32"))
    #expect(input.count == 64 * 64 && expected.count == 3 * 64 * 64)
    let runner = UNetRunner(model: model)
    let logits = runner.logits(input, width: 64, height: 64)
    let maxErr = zip(logits, expected).map { abs($0 - $1) }.max()!
    print("U-Net logits vs PyTorch: max |Δ| = \(maxErr) over \(logits.count) values; model sha256 \(model.sha256)")
    #expect(maxErr <= 1e-4)
}

@Test func segmentsADevImageAndTilesConsistently() throws {
    let model = try UNetModel(path: modelPath)
    let dir = URL(fileURLWithPath: TestEnvironment.corpus + "/dsb_u2os_dev")
    let first = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("images").path).sorted()[0]
    let image = try ImageFile.read(dir.appendingPathComponent("images/\(first)").path).floatImage()
    let stem = (first as NSString).deletingPathExtension
    let truth = try ImageFile.read(dir.appendingPathComponent("labels/\(stem).png").path).floatImage()
    let truthCount = Int(truth.pixels.max() ?? 0)
    let whole = UNetSegmenter(model: model).segment(image)
    #expect(whole.width == image.width && whole.height == image.height)
    let count = Int(whole.pixels.max() ?? 0)
    #expect(abs(count - truthCount) <= truthCount / 5, "\(count) nuclei vs \(truthCount) in the truth")
    var options = UNetOptions()
    options.tileSize = 256
    let tiled = UNetSegmenter(model: model, options: options).segment(image)
    let tiledCount = Int(tiled.pixels.max() ?? 0)
    #expect(abs(tiledCount - count) <= max(3, count / 50), "tiled \(tiledCount) vs whole \(count)")
}

/// The model built into the binary is the committed file (a stale or broken embedding fails here).
@Test func embeddedModelIsTheCommittedFile() throws {
    let embedded = try UNetModel.embedded()
    let file = try UNetModel(path: modelPath)
    #expect(embedded.sha256 == file.sha256)
    #expect(embedded.parameterCount == file.parameterCount && embedded.path == nil)
}

@Test func modelRejectsMissingOrMismatchedTensors() throws {
    let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: modelPath)))
    var (tensors, meta) = try SafeTensors.parse(good)
    let model = try UNetModel(bytes: good)
    #expect(model.levels == 4 && model.base == 8)
    #expect(model.sha256.count == 64)
    tensors["head.weight"] = nil
    #expect(throws: ModelError.self) { try UNetModel(bytes: SafeTensors.encode(tensors, metadata: meta)) }
    (tensors, meta) = try SafeTensors.parse(good)
    tensors["dec.0.conv1.bias"] = Tensor(shape: [1], values: [0])
    #expect(throws: ModelError.self) { try UNetModel(bytes: SafeTensors.encode(tensors, metadata: meta)) }
}
