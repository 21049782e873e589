import CellarImage
import Foundation

/// The weights of a three-class nuclei U-Net (background, interior, boundary) as trained
/// by `train/train_unet.py`: per level two 3×3 convolutions (batch norm folded in) with
/// ReLU, 2×2 max pooling down, bilinear ×2 up, skips by concatenation, a 1×1 head.
/// Immutable and shareable between workers; each worker runs it with its own ``UNetRunner``.
public final class UNetModel: Sendable {
    /// Width of the first level (`base · 2^l` at level l).
    public let base: Int
    /// Number of resolution levels (pooling steps + 1).
    public let levels: Int
    /// Lower-case hex SHA-256 of the model file, for run records.
    public let sha256: String
    /// Where the model was read from (`nil` when built from bytes).
    public let path: String?
    /// The file's `__metadata__` (training settings and figures).
    public let metadata: [String: String]
    /// Learned parameters (weights and biases).
    public let parameterCount: Int
    let encoder: [(ConvLayer, ConvLayer)]
    /// Deepest decoder level first.
    let decoder: [(ConvLayer, ConvLayer)]
    /// Per decoder level (deepest first), the optional linear 1×1 projection of the lower
    /// level to the skip's width, applied before upsampling (`dec.<d>.reduce`).
    let reduce: [ConvLayer?]
    let head: ConvLayer

    /// Name of the committed default model under `Models/`.
    public static let defaultFileName = "cellar-unet.safetensors"

    /// Reads a safetensors model file.
    public convenience init(path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("cannot read model file \(path)") }
        try self.init(bytes: [UInt8](data), path: path)
    }

    /// Builds the model from safetensors bytes; the architecture is inferred from the
    /// tensor names (`enc.<l>.conv<k>`, `dec.<l>.conv<k>`, `head`) and shapes.
    public init(bytes: [UInt8], path: String? = nil) throws(ModelError) {
        let (tensors, metadata) = try SafeTensors.parse(bytes)
        func conv(_ name: String) throws(ModelError) -> ConvLayer {
            guard let w = tensors[name + ".weight"], let b = tensors[name + ".bias"] else {
                throw ModelError("model has no \(name).weight / \(name).bias")
            }
            return try ConvLayer(name: name, weight: w, bias: b)
        }
        var levels = 0
        while tensors["enc.\(levels).conv0.weight"] != nil { levels += 1 }
        guard levels >= 1 else { throw ModelError("model has no encoder (enc.0.conv0.weight)") }
        var encoder: [(ConvLayer, ConvLayer)] = []
        var decoder: [(ConvLayer, ConvLayer)] = []
        for l in 0..<levels { encoder.append((try conv("enc.\(l).conv0"), try conv("enc.\(l).conv1"))) }
        var reduce: [ConvLayer?] = []
        for d in 0..<(levels - 1) {
            decoder.append((try conv("dec.\(d).conv0"), try conv("dec.\(d).conv1")))
            reduce.append(tensors["dec.\(d).reduce.weight"] == nil ? nil : try conv("dec.\(d).reduce"))
        }
        let head = try conv("head")
        // Check that the shapes chain.
        guard encoder[0].0.cin == 1, head.cout == 3, head.kernel == 1 else {
            throw ModelError("model must take 1 channel and give 3 classes with a 1×1 head")
        }
        var width = [Int]()
        for (l, (a, b)) in encoder.enumerated() {
            guard a.kernel == 3, b.kernel == 3, b.cin == a.cout, l == 0 || a.cin == width[l - 1] else {
                throw ModelError("encoder level \(l) shapes do not chain")
            }
            width.append(b.cout)
        }
        var below = width[levels - 1]
        for (d, (a, b)) in decoder.enumerated() {
            let l = levels - 2 - d
            if let r = reduce[d] {
                guard r.kernel == 1, r.cin == below else { throw ModelError("dec.\(d).reduce shapes do not chain") }
                below = r.cout
            }
            guard a.cin == below + width[l], b.cin == a.cout, b.cout == width[l] else {
                throw ModelError("decoder level \(l) shapes do not chain")
            }
            below = b.cout
        }
        guard head.cin == below else { throw ModelError("head takes \(head.cin) channels, decoder gives \(below)") }
        self.base = width[0]
        self.levels = levels
        self.encoder = encoder
        self.decoder = decoder
        self.reduce = reduce
        self.head = head
        self.metadata = metadata
        self.path = path
        self.sha256 = Checksum.sha256Hex(bytes)
        let all = encoder.flatMap { [$0.0, $0.1] } + decoder.flatMap { [$0.0, $0.1] } + reduce.compactMap { $0 } + [head]
        parameterCount = all.reduce(0) { $0 + $1.weights.count + $1.bias.count }
    }

    /// Multiply–adds per input pixel (each level's layers weighted by its pixel share).
    public var macsPerPixel: Double {
        var total = 0.0
        for (l, (a, b)) in encoder.enumerated() { total += Double(a.macsPerPixel + b.macsPerPixel) / Double(1 << (2 * l)) }
        for (d, (a, b)) in decoder.enumerated() {
            let l = levels - 2 - d
            total += Double(a.macsPerPixel + b.macsPerPixel) / Double(1 << (2 * l))
            if let r = reduce[d] { total += Double(r.macsPerPixel) / Double(1 << (2 * (l + 1))) }
        }
        return total + Double(head.macsPerPixel)
    }

    /// The committed model `Models/cellar-unet.safetensors` as it was when this binary was
    /// built: embedded by the EmbedFile build plugin, so an installed `cellar` needs no
    /// source tree. Decoding is O(model bytes) (~450 KB, a few ms).
    public static func embedded() throws(ModelError) -> UNetModel {
        guard let data = Data(base64Encoded: EmbeddedFiles.unetModel) else {
            throw ModelError("the embedded U-Net model is not valid base64 (a broken build)")
        }
        return try UNetModel(bytes: [UInt8](data))
    }

    /// The default model: the file `$CELLAR_UNET_MODEL` if set, else ``embedded()``.
    public static func loadDefault() throws(ModelError) -> UNetModel {
        if let env = ProcessInfo.processInfo.environment["CELLAR_UNET_MODEL"], !env.isEmpty {
            return try UNetModel(path: env)
        }
        return try embedded()
    }
}
