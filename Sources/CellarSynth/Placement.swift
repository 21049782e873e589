import Foundation

/// What kind of nucleus a synthetic nucleus models; sets its brightness gain.
public enum NucleusKind: String, Sendable, Codable {
    case g1, g2, mitotic, dim
}

/// One synthetic nucleus: an ellipse with semi-axes `a ≥ b` (px), rotated by
/// `theta`, centred at (`cx`, `cy`) in pixel coordinates (pixel centres are integers).
public struct SynthNucleus: Sendable, Equatable, Codable {
    public var cx, cy, a, b, theta: Double
    public var kind: NucleusKind
    /// 0 for isolated nuclei, else the 1-based cluster it belongs to.
    public var cluster: Int
}

/// Distance from an ellipse centre to its boundary along `direction`.
@inlinable
func ellipseRadius(_ a: Double, _ b: Double, _ theta: Double, _ direction: Double) -> Double {
    let phi = direction - theta
    return a * b / ((b * cos(phi)) * (b * cos(phi)) + (a * sin(phi)) * (a * sin(phi))).squareRoot()
}

private func sampleKind(_ rng: inout Xoshiro256, _ p: SynthParameters) -> NucleusKind {
    let u = rng.uniform()
    if u < p.fractionMitotic { return .mitotic }
    if u < p.fractionMitotic + p.fractionG2 { return .g2 }
    if u < p.fractionMitotic + p.fractionG2 + p.fractionDim { return .dim }
    return .g1
}

private func sampleShape(_ rng: inout Xoshiro256, _ p: SynthParameters, kind: NucleusKind)
    -> (a: Double, b: Double, theta: Double)
{
    let r = (kind == .mitotic ? p.mitoticRadius : p.radius).sample(&rng)
    let q = p.aspect.sample(&rng)
    return (r / q.squareRoot(), r * q.squareRoot(), rng.uniform(0, Double.pi))  // πab = πr²
}

/// True if the candidate comes closer than `gap` to any nucleus outside `ignoreFrom..<ignoreTo`
/// (boundary distance along the centre line, as in the reference).
private func conflicts(_ cx: Double, _ cy: Double, _ a: Double, _ b: Double, _ th: Double,
                       _ nuclei: [SynthNucleus], gap: Double, ignore: Range<Int> = 0..<0) -> Bool
{
    for (k, n) in nuclei.enumerated() where !ignore.contains(k) {
        let dx = n.cx - cx, dy = n.cy - cy
        let d = (dx * dx + dy * dy).squareRoot()
        if d > a + n.a + gap { continue }
        if d < 1e-6 { return true }
        let ang = atan2(dy, dx)
        if d < ellipseRadius(a, b, th, ang) + ellipseRadius(n.a, n.b, n.theta, ang) + gap { return true }
    }
    return false
}

/// Places the nuclei of one field: clusters of 2–5 touching/overlapping nuclei
/// first (≈ `clusterFraction` of the target), then isolated nuclei by rejection
/// sampling. Same algorithm as the reference's `place_nuclei`.
///
/// Complexity: O(tries × n) ellipse tests, n ≤ ~300; well under a millisecond per field.
public func placeNuclei(_ rng: inout Xoshiro256, parameters p: SynthParameters) -> [SynthNucleus] {
    let size = Double(p.size)
    let target = rng.integer(p.nucleiCount)
    let clusterTarget = Int((Double(target) * p.clusterFraction).rounded(.toNearestOrEven))
    var nuclei: [SynthNucleus] = []
    nuclei.reserveCapacity(target + 8)
    let margin = 0.3 * p.radius.upperBound  // centres may sit slightly off-frame

    // 1) Clusters first (they need room).
    var clusterID = 0, tries = 0, inClusters = 0
    while inClusters < clusterTarget && tries < 2000 {
        tries += 1
        let k = rng.integer(p.clusterSize)
        let kind = sampleKind(&rng, p)
        let (a, b, th) = sampleShape(&rng, p, kind: kind)
        let cx = rng.uniform(-margin, size + margin), cy = rng.uniform(-margin, size + margin)
        if conflicts(cx, cy, a, b, th, nuclei, gap: p.isolatedGap) { continue }
        clusterID += 1
        let first = nuclei.count
        nuclei.append(SynthNucleus(cx: cx, cy: cy, a: a, b: b, theta: th, kind: kind, cluster: clusterID))
        for _ in 0..<(k - 1) {
            for _ in 0..<30 {
                let parent = nuclei[first + rng.integer(0...(nuclei.count - first - 1))]
                let kind2 = sampleKind(&rng, p)
                let (a2, b2, th2) = sampleShape(&rng, p, kind: kind2)
                let ang = rng.uniform(0, 2 * Double.pi)
                let r1 = ellipseRadius(parent.a, parent.b, parent.theta, ang)
                let r2 = ellipseRadius(a2, b2, th2, ang + Double.pi)
                let d = r1 + r2 - p.clusterOverlap.sample(&rng) * (r1 + r2)
                let x2 = parent.cx + d * cos(ang), y2 = parent.cy + d * sin(ang)
                let own = first..<nuclei.count
                if conflicts(x2, y2, a2, b2, th2, nuclei, gap: p.isolatedGap, ignore: own) { continue }
                // At most the maximum overlap with cluster mates.
                var bad = false
                for j in own {
                    let m = nuclei[j]
                    let dd = ((x2 - m.cx) * (x2 - m.cx) + (y2 - m.cy) * (y2 - m.cy)).squareRoot()
                    let an = atan2(m.cy - y2, m.cx - x2)
                    let s = ellipseRadius(a2, b2, th2, an) + ellipseRadius(m.a, m.b, m.theta, an)
                    if dd < (1 - p.clusterOverlap.upperBound) * s { bad = true; break }
                }
                if bad { continue }
                nuclei.append(SynthNucleus(cx: x2, cy: y2, a: a2, b: b2, theta: th2, kind: kind2, cluster: clusterID))
                break
            }
        }
        inClusters += nuclei.count - first
    }

    // 2) Isolated nuclei.
    tries = 0
    while nuclei.count < target && tries < 20000 {
        tries += 1
        let kind = sampleKind(&rng, p)
        let (a, b, th) = sampleShape(&rng, p, kind: kind)
        let cx = rng.uniform(-margin, size + margin), cy = rng.uniform(-margin, size + margin)
        if conflicts(cx, cy, a, b, th, nuclei, gap: p.isolatedGap) { continue }
        nuclei.append(SynthNucleus(cx: cx, cy: cy, a: a, b: b, theta: th, kind: kind, cluster: 0))
    }
    return nuclei
}
