import CellarImage
import CellarStore
import Foundation

/// Mutable counters shared by the pipeline's tasks (behind a lock, see ``Locked``).
struct RunStats: Sendable {
    var progress = IngestProgress()
    var times = StageTimes()
    var layout: String?
    var imagesFound = 0
    var failures: [(String, String)] = []
    var firstJob: ContinuousClock.Instant?
    var lastDone: ContinuousClock.Instant?
    /// The latest outcome of each field this run stored: cells when done, nil when failed.
    /// A field stored twice (a file rewritten while watching) counts once, as the database does.
    private var outcome: [FieldKey: Int?] = [:]
    private var seenKeys: Set<FieldKey> = []
    private var skippedKeys: Set<FieldKey> = []
    /// Fields the acquisition source is waiting on (count, and a sample), for `cellar status`.
    var waiting: (count: Int, sample: [WaitingField]) = (0, [])

    /// A field handed on by the source (counted once however often it comes). O(1).
    mutating func seen(_ key: FieldKey) {
        seenKeys.insert(key)
        progress.fieldsSeen = seenKeys.count
    }

    /// A field handed back (a file still settling): it comes again. O(1).
    mutating func unseen(_ key: FieldKey) {
        if outcome[key] == nil, !skippedKeys.contains(key) { seenKeys.remove(key) }
        progress.fieldsSeen = seenKeys.count
    }

    /// A field already stored with the same files and parameters. O(1).
    mutating func skipped(_ key: FieldKey) {
        if skippedKeys.insert(key).inserted { progress.fieldsSkipped += 1 }
    }
    /// Cells per done field, by plate: the plate median that a nearly empty field is judged by.
    private var plateCells: [String: [Int]] = [:]
    private var colourReported: Set<String> = []

    /// Records a field stored as done. O(1).
    mutating func stored(_ key: FieldKey, cells: Int) {
        replaceOutcome(of: key, with: cells)
        progress.fieldsDone += 1
        progress.cells += cells
        plateCells[key.plate, default: []].append(cells)
    }

    /// Records a field stored as failed. O(1).
    mutating func failed(_ key: FieldKey) {
        replaceOutcome(of: key, with: nil)
        progress.fieldsFailed += 1
    }

    /// Takes back what an earlier outcome of `key` in this run counted, and records the new
    /// one (cells when done, nil when failed). O(1).
    private mutating func replaceOutcome(of key: FieldKey, with cells: Int?) {
        seen(key)
        switch outcome.updateValue(cells, forKey: key) {
        case .some(.some(let old)): progress.fieldsDone -= 1; progress.cells -= old
        case .some(.none): progress.fieldsFailed -= 1
        case .none: break
        }
    }

    /// What to tell the operator about a stored field: the colour conversion once per plate,
    /// and a warning when its DNA image is blank or its count far below the plate's median
    /// (a wrong DNA channel or colour conversion looks like this). O(fields of the plate);
    /// a sort only for fields with fewer than a tenth of the plate's largest count.
    mutating func notes(on field: IngestedField, look: FieldLook, rgb: RGBConversion) -> (info: [String], warnings: [String]) {
        var info: [String] = [], warnings: [String] = []
        let plate = field.key.plate
        if look.colourDNA, colourReported.insert(plate).inserted {
            info.append("plate \(plate): the DNA images are colour (RGB); using \(rgb.explanation) (--rgb red|green|blue|luminance|max)")
        }
        let counts = plateCells[plate] ?? []
        if look.blankDNA {
            warnings.append("\(field.key): the DNA image \(look.dnaPath) is blank (every pixel \(look.dnaMaximum)); 0 cells")
        } else if counts.count >= 8, field.cellCount * 10 < counts.max() ?? 0 {
            // Sorted only for a field far below the plate's largest count (the median is never
            // larger): typical fields cost one linear pass, not a sort, under the stats lock.
            let median = counts.sorted()[counts.count / 2]
            if median >= 20, field.cellCount * 10 < median {
                warnings.append("\(field.key): \(field.cellCount) cells where the plate's median is \(median): "
                    + "is \(look.dnaPath) the DNA stain, in focus and exposed?")
            }
        }
        return (info, warnings)
    }

    func snapshot(since started: ContinuousClock.Instant) -> IngestProgress {
        var p = progress
        p.elapsed = (ContinuousClock.now - started).seconds
        if let firstJob { p.processingSeconds = (ContinuousClock.now - firstJob).seconds }
        return p
    }
}

/// A value behind a lock, shareable between tasks and closures.
/// `@unchecked Sendable`: every access to `value` goes through `lock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
