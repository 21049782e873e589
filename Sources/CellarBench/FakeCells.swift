import CellarQuery
import CellarStore
import Foundation
import Logging

/// Synthetic screen rows for benchmarks and tests: 384-well plates of 9 fields, per-well
/// effects (a few sparse or empty wells, shifted nucleus size and DNA intensity), per-cell
/// noise, integral values where CellProfiler's are integral, and a few NULLs — no images.
public enum FakeCells {
    /// Field `index`: plates `FAKE1`, `FAKE2`, … of 384 wells × `sites` fields.
    public static func key(_ index: Int, sites: Int = 9) -> FieldKey {
        let perPlate = 16 * 24 * sites
        let plate = index / perPlate, rest = index % perPlate
        let well = rest / sites, site = rest % sites
        return FieldKey(plate: "FAKE\(plate + 1)", row: well / 24 + 1, column: well % 24 + 1, site: site + 1)
    }

    /// Cells field `index` gets (mean ~250; some wells sparse). Deterministic.
    public static func cellCount(_ index: Int, sites: Int = 9) -> Int {
        let k = key(index, sites: sites)
        var rng = SeededRandom(seed: UInt64(k.row * 1000 + k.column) &* 0x9E37_79B9 &+ UInt64(k.plate.hashValueStable))
        let u = rng.uniform()
        let wellFactor = u < 0.03 ? 0.25 : u < 0.06 ? 1.6 : 0.85 + 0.3 * rng.uniform()
        var f = SeededRandom(seed: UInt64(index) &+ 17)
        return max(1, Int((250 * wellFactor * (0.9 + 0.2 * f.uniform())).rounded()))
    }

    /// The field with `cells` synthetic cells over `columns`. O(cells × columns).
    public static func field(_ index: Int, cells: Int, columns: [String], sites: Int = 9, masks: Bool = false) -> IngestedField {
        let k = key(index, sites: sites)
        var well = SeededRandom(seed: UInt64(k.row * 1000 + k.column) &+ 0xABCDEF)
        let sizeEffect = 0.8 + 0.4 * well.uniform()
        let dnaEffect = 0.7 + 0.6 * well.uniform()
        var rng = SeededRandom(seed: UInt64(index) &* 0x2545_F491_4F6C_DD1D &+ 1)
        let m = columns.count
        var values = [Double](repeating: 0, count: cells * m)
        enum Kind { case object, center, area, count, euler, ratio, intensity, missingSometimes, other }
        let kinds: [Kind] = columns.map { name in
            if name.hasSuffix("Object_Number") { return .object }
            if name.contains("Center") || name.contains("CenterMass") { return .center }
            if name.hasSuffix("_Area") || name.hasSuffix("ConvexArea") || name.hasSuffix("BoundingBoxArea") { return .area }
            if name.contains("BoundingBoxM") { return .count }
            if name.hasSuffix("EulerNumber") { return .euler }
            if name.hasSuffix("FormFactor") || name.hasSuffix("Solidity") || name.hasSuffix("Extent") || name.hasSuffix("Eccentricity") { return .ratio }
            if name.hasSuffix("MassDisplacement_DNA") { return .missingSometimes }
            if name.contains("Intensity") { return .intensity }
            return .other
        }
        values.withUnsafeMutableBufferPointer { v in
            for i in 0 ..< cells {
                let area = (300 * sizeEffect * exp(0.25 * rng.normal())).rounded()
                let dna = 0.2 * dnaEffect * exp(0.2 * rng.normal())
                for c in 0 ..< m {
                    let x: Double
                    switch kinds[c] {
                    case .object: x = Double(i + 1)
                    case .center: x = 1024 * rng.uniform()
                    case .area: x = area + (rng.uniform() * 30).rounded(.down)
                    case .count: x = (1024 * rng.uniform()).rounded(.down)
                    case .euler: x = 1
                    case .ratio: x = 0.6 + 0.4 * rng.uniform()
                    case .intensity: x = dna * (0.5 + rng.uniform())
                    case .missingSometimes: x = i % 40 == 7 ? .nan : 3 * rng.uniform()
                    case .other: x = area.squareRoot() * (0.8 + 0.4 * rng.uniform())
                    }
                    v[i * m + c] = x
                }
            }
        }
        let image = ImageRecord(channel: "DNA", path: "/synthetic/\(k.plate)/\(k.plate)_\(k.wellName)_s\(k.site)_w1.tif",
                                bytes: 2_097_152, mtime: 1_700_000_000, fingerprint: "fake-\(index)",
                                width: 1024, height: 1024, bits: 16)
        let stored = masks
            ? SyntheticField.make(key: k, cells: cells, columns: [], seed: UInt64(index) + 1).masks
            : StoredMasks()
        return IngestedField(key: k, images: [image], cellCount: cells, featureColumns: columns, values: values, masks: stored)
    }

    /// Fills a new database at `path` with `cells` synthetic cells through the store writer
    /// (`producers` generating tasks, one writer). Returns (fields, seconds). O(cells × columns).
    public static func fill(path: String, cells: Int, masks: Bool = false, producers: Int = 2,
                            logger: Logger = Logger(label: "cellar.bench")) async throws(QueryError) -> (fields: Int, seconds: Double) {
        if FileManager.default.fileExists(atPath: path) {
            throw .output(path: path, reason: "exists; the benchmark fills a new database (remove it first)")
        }
        let start = DispatchTime.now()
        do {
            let store = try Store.create(at: path, logger: logger)
            let columns = try store.featureColumns()
            // Field sizes up front, so producers can split the work.
            var counts: [Int] = []
            var total = 0
            while total < cells {
                let n = min(cellCount(counts.count), cells - total)
                counts.append(n)
                total += n
            }
            let plan = counts
            let writer = try store.makeWriter(run: RunInfo(version: "bench", parametersJSON: "{\"fake\":true}",
                                                           parametersHash: "fake-cells"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0 ..< max(1, producers) {
                    group.addTask {
                        var index = p
                        while index < plan.count {
                            try await writer.submit(field(index, cells: plan[index], columns: columns, masks: masks))
                            index += max(1, producers)
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await writer.finish()
            try store.close()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return (plan.count, seconds)
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .sql("\(error)")
        }
    }
}


extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per process).
    var hashValueStable: Int {
        var h: UInt64 = 1469598103934665603
        for b in utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return Int(truncatingIfNeeded: h >> 1)
    }
}
