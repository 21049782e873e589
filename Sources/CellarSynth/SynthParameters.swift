/// The image model of a synthetic DNA-stain field. Defaults follow
/// `shared/reference/synth_plate.py` (`PARAMS`), so Cellar's generator and the
/// Python reference produce statistically equivalent fields.
public struct SynthParameters: Sendable, Equatable, Hashable, Codable {
    /// Field side in pixels (square fields).
    public var size: Int = 1024
    /// Nuclei per 1024² field, uniform integer range; scaled by area for other sizes.
    public var nucleiPer1024: ClosedRange<Int> = 200...300
    /// Area-equivalent radius range, px.
    public var radius: ClosedRange<Double> = 8.0...20.0
    /// Minor/major axis ratio range.
    public var aspect: ClosedRange<Double> = 0.55...1.0
    /// Fraction of nuclei placed in touching/overlapping clusters.
    public var clusterFraction: Double = 0.25
    /// Nuclei per cluster.
    public var clusterSize: ClosedRange<Int> = 2...5
    /// Boundary overlap of cluster mates, as a fraction of the summed radii.
    public var clusterOverlap: ClosedRange<Double> = 0.0...0.25
    /// Minimum gap (px) between non-clustered ellipses.
    public var isolatedGap: Double = 1.0
    /// Mean nuclear peak signal per field, photo-electrons.
    public var peakElectrons: ClosedRange<Double> = 1500...3000
    /// Log-normal sigma of per-nucleus brightness.
    public var brightnessSigma: Double = 0.25
    public var fractionG2: Double = 0.12, g2Gain: Double = 1.7
    public var fractionMitotic: Double = 0.04, mitoticGain: Double = 2.5
    public var mitoticRadius: ClosedRange<Double> = 8.0...10.0
    public var fractionDim: Double = 0.05, dimGain: Double = 0.45
    /// Multiplicative chromatin texture: relative amplitude and smoothing sigma (px).
    public var textureAmplitude: Double = 0.15, textureSigma: Double = 1.5
    /// Dark nucleoli per nucleus, their radius (px) and relative depth.
    public var nucleoli: ClosedRange<Int> = 0...3
    public var nucleolusRadius: ClosedRange<Double> = 1.5...3.5
    public var nucleolusDepth: ClosedRange<Double> = 0.25...0.5
    /// Additive autofluorescence background, electrons, and its ± gradient fraction.
    public var backgroundElectrons: ClosedRange<Double> = 150...400
    public var backgroundGradient: Double = 0.4
    /// Fractional vignetting fall-off at the corners and ± illumination gradient.
    public var vignetting: Double = 0.25
    public var illuminationGradient: Double = 0.15
    /// Gaussian PSF sigma range, px.
    public var psfSigma: ClosedRange<Double> = 1.2...2.0
    /// Camera model: gain (ADU per electron), offset (ADU), read noise (ADU rms).
    public var gain: Double = 1.0, offset: Double = 100.0, readNoise: Double = 3.0

    public init(size: Int = 1024) {
        precondition(size >= 16, "field size must be at least 16 px")
        self.size = size
    }

    /// The nuclei count range for `size`: `nucleiPer1024` scaled by the field area
    /// (same rule as the reference's `params_for_size`).
    public var nucleiCount: ClosedRange<Int> {
        if size == 1024 { return nucleiPer1024 }
        let s = Double(size * size) / (1024.0 * 1024.0)
        let lo = max(1, Int(Double(nucleiPer1024.lowerBound) * s))
        let hi = max(lo, Int(Double(nucleiPer1024.upperBound) * s))
        return lo...hi
    }
}

extension ClosedRange where Bound == Double {
    @inlinable func sample(_ rng: inout Xoshiro256) -> Double {
        rng.uniform(lowerBound, upperBound)
    }
}
