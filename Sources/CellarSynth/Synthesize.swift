import CellarImage
import Foundation

/// A synthetic DNA-stain field with its exact ground truth.
public struct SyntheticField: Sendable, Equatable {
    /// The 16-bit camera image (offset ≈ 100 ADU, background ≈ 250–500 ADU, nuclei ≈ 1–10 k ADU).
    public var image: Image<UInt16>
    /// Instance labels: 0 = background, 1…`nucleusCount` = nuclei (every label present).
    public var labels: Image<UInt16>
    /// Number of visible nuclei (the largest label).
    public var nucleusCount: Int
    /// The nuclei as placed (including any entirely outside the frame).
    public var nuclei: [SynthNucleus]
    /// Per-field optics drawn for this field.
    public var peakElectrons: Double, backgroundElectrons: Double, psfSigma: Double
}

/// The 64-bit seed of one field, a stable hash of (seed, plate, well, site), so
/// every field can be generated independently, in any order, on any thread.
public func fieldSeed(seed: UInt64, plate: String, well: String, site: Int) -> UInt64 {
    var h = splitMix64(seed ^ 0x5EED_CE11_A500_0001)
    h = splitMix64(h ^ stableHash(plate))
    h = splitMix64(h ^ stableHash(well))
    return splitMix64(h ^ UInt64(truncatingIfNeeded: site))
}

/// Generates one field of a plate. Deterministic in (seed, plate, well, site, size).
/// Convenience over ``FieldSynthesizer``; O(size²), ≈ 11 ms for 1024² on one core (release).
public func synthesizeField(plate: String, well: String, site: Int, seed: UInt64,
                            size: Int = 1024) -> SyntheticField
{
    var s = FieldSynthesizer(parameters: SynthParameters(size: size))
    return s.synthesize(fieldSeed: fieldSeed(seed: seed, plate: plate, well: well, site: site))
}

/// Generates synthetic fields, reusing its scratch buffers between calls.
/// One synthesizer per worker thread; each call is independent of the previous ones.
public struct FieldSynthesizer: Sendable {
    public let parameters: SynthParameters
    private var signal: [Float]
    private var texture: [Float]
    private var scratch: [Float]
    private var rowPad: [Float]
    private var box: [Float] = []
    private let xs: [Float]

    public init(parameters: SynthParameters = SynthParameters()) {
        self.parameters = parameters
        let n = parameters.size * parameters.size
        signal = [Float](repeating: 0, count: n)
        texture = [Float](repeating: 0, count: n)
        scratch = [Float](repeating: 0, count: n)
        rowPad = [Float](repeating: 0, count: parameters.size + 64)
        let w = parameters.size
        xs = (0..<w).map { Float(Double($0) / Double(w - 1) * 2 - 1) }
    }

    /// One field for a 64-bit seed (see ``fieldSeed(seed:plate:well:site:)``).
    /// Complexity: O(size² × (PSF radius + texture radius)) for the blurs plus
    /// O(Σ nucleus bounding boxes) for rendering.
    public mutating func synthesize(fieldSeed: UInt64) -> SyntheticField {
        let p = parameters
        let W = p.size, n = W * W
        var rng = Xoshiro256(seed: fieldSeed)
        let nuclei = placeNuclei(&rng, parameters: p)

        var labels = [UInt16](repeating: 0, count: n)
        var count = 0
        signal.withUnsafeMutableBufferPointer { sig in
            sig.update(repeating: 0)
            labels.withUnsafeMutableBufferPointer { lab in
                scratch.withUnsafeMutableBufferPointer { best in
                    count = renderNuclei(nuclei, rng: &rng, parameters: p, signal: sig, labels: lab,
                                         bestRho2: best, box: &box)
                }
            }
        }

        // Field-level optics.
        let gAng = rng.uniform(0, 2 * Double.pi)
        let vcx = 0.15 * rng.normal(), vcy = 0.15 * rng.normal()
        let bAng = rng.uniform(0, 2 * Double.pi)
        let bgE = p.backgroundElectrons.sample(&rng)
        let peakE = p.peakElectrons.sample(&rng)
        let psf = p.psfSigma.sample(&rng)
        let textureKey = rng.next(), noiseKey = rng.next()

        var pixels = [UInt16](repeating: 0, count: n)
        let xs = self.xs
        texture.withUnsafeMutableBufferPointer { tex in
            scratch.withUnsafeMutableBufferPointer { tmp in
                rowPad.withUnsafeMutableBufferPointer { pad in
                    signal.withUnsafeMutableBufferPointer { sig in
                        Self.makeTexture(tex, key: textureKey, parameters: p, scratch: tmp, rowPad: pad)
                        Self.composeElectrons(parameters: p, xs: xs, signal: sig, texture: tex, gradientAngle: gAng,
                                         vignetteCentre: (vcx, vcy), backgroundAngle: bAng,
                                         backgroundElectrons: bgE, peakElectrons: peakE)
                        let k = halfGaussianKernel(sigma: psf)
                        gaussianBlurInPlace(sig, width: W, height: W, halfKernel: k, scratch: tmp, rowPad: pad)
                        GaussianTable.fill(tex, key: noiseKey)
                        pixels.withUnsafeMutableBufferPointer { out in
                            Self.applyCameraNoise(parameters: p, electrons: sig, normals: tex, out: out)
                        }
                    }
                }
            }
        }
        return SyntheticField(
            image: Image(width: W, height: W, pixels: pixels),
            labels: Image(width: W, height: W, pixels: labels),
            nucleusCount: count, nuclei: nuclei,
            peakElectrons: peakE, backgroundElectrons: bgE, psfSigma: psf)
    }

    /// Chromatin texture `1 + amp · blur(N(0,1), σ_t) / sd` over the field.
    /// The sd of blurred white noise is exactly Σ k² for a separable kernel k.
    private static func makeTexture(_ tex: UnsafeMutableBufferPointer<Float>, key: UInt64,
                                    parameters p: SynthParameters,
                                    scratch: UnsafeMutableBufferPointer<Float>,
                                    rowPad: UnsafeMutableBufferPointer<Float>)
    {
        let W = p.size
        GaussianTable.fill(tex, key: key)
        let k = halfGaussianKernel(sigma: p.textureSigma)
        gaussianBlurInPlace(tex, width: W, height: W, halfKernel: k, scratch: scratch, rowPad: rowPad)
        let sumSq = k[0] * k[0] + 2 * k.dropFirst().reduce(0) { $0 + $1 * $1 }
        let scale = Float(p.textureAmplitude) / sumSq
        for i in tex.indices { tex[i] = 1 + scale * tex[i] }
    }

    /// electrons = illumination · peak · signal · texture + background, in place in
    /// `signal`. Illumination = vignetting × (1 + linear gradient); background has its
    /// own linear gradient. O(size²), vectorised over each row.
    private static func composeElectrons(parameters p: SynthParameters, xs: [Float],
                                  signal: UnsafeMutableBufferPointer<Float>,
                                  texture: UnsafeMutableBufferPointer<Float>,
                                  gradientAngle: Double, vignetteCentre: (Double, Double),
                                  backgroundAngle: Double, backgroundElectrons: Double,
                                  peakElectrons: Double)
    {
        let W = p.size
        let r2 = 1 / 2.0.squareRoot()
        let gx = Float(cos(gradientAngle) * p.illuminationGradient * r2)
        let gy = Float(sin(gradientAngle) * p.illuminationGradient * r2)
        let bx = Float(cos(backgroundAngle) * p.backgroundGradient * r2 * backgroundElectrons)
        let by = Float(sin(backgroundAngle) * p.backgroundGradient * r2 * backgroundElectrons)
        let vig = Float(p.vignetting / 2), vcx = Float(vignetteCentre.0), vcy = Float(vignetteCentre.1)
        let peak = Float(peakElectrons), bg = Float(backgroundElectrons)
        xs.withUnsafeBufferPointer { xs in
            for y in 0..<W {
                let yn = xs[y]  // same normalisation as x for a square field
                let dyv = (yn - vcy) * (yn - vcy)
                let illumRow = 1 + gy * yn, bgRow = bg + by * yn
                let s = signal.baseAddress! + y * W, t = texture.baseAddress! + y * W
                for x in 0..<W {
                    let xn = xs[x]
                    let vign = 1 - vig * ((xn - vcx) * (xn - vcx) + dyv)
                    let illum = vign * (illumRow + gx * xn)
                    s[x] = illum * peak * s[x] * t[x] + (bgRow + bx * xn)
                }
            }
        }
    }

    /// Shot noise (Gaussian approximation of Poisson; λ ≥ ~90 e⁻ everywhere) plus
    /// camera gain, offset and read noise, rounded and clipped to 16 bits. O(size²).
    private static func applyCameraNoise(parameters p: SynthParameters,
                                  electrons: UnsafeMutableBufferPointer<Float>,
                                  normals: UnsafeMutableBufferPointer<Float>,
                                  out: UnsafeMutableBufferPointer<UInt16>)
    {
        let g = Float(p.gain), g2 = Float(p.gain * p.gain)
        let off = Float(p.offset), rn2 = Float(p.readNoise * p.readNoise)
        for i in out.indices {
            let lam = max(electrons[i], 0)
            var v = lam * g + off + (lam * g2 + rn2).squareRoot() * normals[i]
            v = min(max(v.rounded(.toNearestOrEven), 0), 65535)
            out[i] = UInt16(v)
        }
    }
}
