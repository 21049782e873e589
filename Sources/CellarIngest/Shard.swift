import Foundation
import Logging

/// One slice of a screen for an array job: shard `index` of `count` (0-based).
///
/// **Assignment.** Whole wells: every file of a well (all sites, channels, z, timepoints)
/// belongs to one shard, chosen by a stable hash of the well's natural key —
/// `h = splitmix64(fnv1a64(utf8(plate) + [0x00] + utf8(well)))`, shard `h mod count`, where
/// `well` is the usual label (`B03`, `AF48`: row letters, column zero-padded to two digits).
/// It depends on nothing but (plate, well, count): not on listing order, file system, or
/// which files exist yet. (SplitMix64's finaliser spreads FNV's weak low bits, so `mod count`
/// is balanced; any language reproduces it in a few lines.) A file whose name matches no
/// layout has no well: it goes to shard `splitmix64(fnv1a64(relative path)) mod count`, so
/// exactly one shard records it as a failure.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based, `0 ..< count`.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1 else { throw .invalid("shard count must be at least 1, got \(count)") }
        guard (0 ..< count).contains(index) else {
            throw .invalid("shard index must be 0…\(count - 1) (0-based) for \(count) shard(s), got \(index)")
        }
        self.index = index
        self.count = count
    }

    /// `2/8` (0-based index / count).
    public var description: String { "\(index)/\(count)" }

    /// The shard (0 ..< count) a well belongs to. O(name length).
    public static func of(plate: String, well: String, count: Int) -> Int {
        var bytes = Array(plate.utf8)
        bytes.append(0)
        bytes.append(contentsOf: well.utf8)
        return Int(mix(fnv1a(bytes)) % UInt64(max(count, 1)))
    }

    /// Whether this shard owns the well (0-based `row`/`column`, as `FieldID` has them).
    public func owns(plate: String, row: Int, column: Int) -> Bool {
        count == 1 || Shard.of(plate: plate, well: WellName.format(row: row, column: column), count: count) == index
    }

    /// Whether this shard records a file that no layout places in a well.
    public func owns(unmatchedPath relativePath: String) -> Bool {
        count == 1 || Int(Shard.mix(Shard.fnv1a(Array(relativePath.utf8))) % UInt64(count)) == index
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's finaliser (Steele, Lea & Flood 2014).
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Errors choosing a shard.
public enum ShardError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    case invalid(String)
    case noArrayIndex(String)

    public var description: String {
        switch self {
        case .invalid(let text): "--shard: \(text)"
        case .noArrayIndex(let text): "--shard auto: \(text)"
        }
    }

    public var errorDescription: String? { description }
}

extension Shard {
    /// The shard named by `--shard SPEC`, and a sentence saying where it came from.
    ///
    /// - `I/N`: shard I (0-based) of N.
    /// - `auto/N`: N shards, the index from the first array variable set:
    ///   `SLURM_ARRAY_TASK_ID` (0-based: submit `--array=0-(N-1)`; a resubmitted single task
    ///   `--array=2` keeps its index), `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job),
    ///   `AWS_BATCH_JOB_ARRAY_INDEX` (AWS Batch).
    /// - `auto`: Slurm only (the others do not publish the array size):
    ///   index `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`, count `SLURM_ARRAY_TASK_COUNT`
    ///   or `MAX − MIN + 1`. Prefer `auto/N`: a task resubmitted alone is an array of one.
    public static func resolve(_ spec: String, environment: [String: String]) throws(ShardError) -> (shard: Shard, source: String) {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func integer(_ name: String, _ text: String?) throws(ShardError) -> Int? {
            guard let text else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw .noArrayIndex("\(name)=\(text) is not an integer")
            }
            return value
        }
        let usage = "use I/N (0-based shard I of N), auto/N or auto"
        guard parts.count <= 2, let first = parts.first, !first.isEmpty else { throw .invalid("'\(spec)': \(usage)") }
        var count: Int? = nil
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 1 else { throw .invalid("'\(spec)': the shard count N must be a positive integer; \(usage)") }
            count = n
        }
        if first.lowercased() != "auto" {
            guard let index = Int(first), let count else { throw .invalid("'\(spec)': \(usage)") }
            return (try Shard(index: index, count: count), "--shard \(spec)")
        }
        let env = environment
        if let id = try integer("SLURM_ARRAY_TASK_ID", env["SLURM_ARRAY_TASK_ID"]) {
            if let count {
                guard (0 ..< count).contains(id) else {
                    throw .noArrayIndex("SLURM_ARRAY_TASK_ID=\(id) is outside 0…\(count - 1); submit the array as --array=0-\(count - 1)")
                }
                return (try Shard(index: id, count: count), "SLURM_ARRAY_TASK_ID=\(id) of \(count) (--shard auto/\(count))")
            }
            let minID = try integer("SLURM_ARRAY_TASK_MIN", env["SLURM_ARRAY_TASK_MIN"]) ?? 0
            if let n = try integer("SLURM_ARRAY_TASK_COUNT", env["SLURM_ARRAY_TASK_COUNT"]) {
                return (try Shard(index: id - minID, count: n),
                        "SLURM_ARRAY_TASK_ID=\(id) − SLURM_ARRAY_TASK_MIN=\(minID) of SLURM_ARRAY_TASK_COUNT=\(n)")
            }
            if let maxID = try integer("SLURM_ARRAY_TASK_MAX", env["SLURM_ARRAY_TASK_MAX"]) {
                return (try Shard(index: id - minID, count: maxID - minID + 1),
                        "SLURM_ARRAY_TASK_ID=\(id) of SLURM_ARRAY_TASK_MIN…MAX=\(minID)…\(maxID)")
            }
            throw .noArrayIndex("SLURM_ARRAY_TASK_ID=\(id) is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX; give the count: --shard auto/N")
        }
        for name in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
            guard let id = try integer(name, env[name]) else { continue }
            guard let count else {
                throw .noArrayIndex("\(name)=\(id) is set but the number of shards is not: use --shard auto/N (N = the job's completions / array size)")
            }
            guard (0 ..< count).contains(id) else { throw .noArrayIndex("\(name)=\(id) is outside 0…\(count - 1)") }
            return (try Shard(index: id, count: count), "\(name)=\(id) of \(count) (--shard auto/\(count))")
        }
        throw .noArrayIndex("no array index in the environment (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX); run as an array task, or give --shard I/N")
    }
}

extension Shard {
    /// Whether this shard handles a file: by its well when a layout placed it (`key`), else by
    /// its path (see the type).
    func owns(file relativePath: String, key: FileKey?) -> Bool {
        if let key { return owns(plate: key.field.plate, row: key.field.row, column: key.field.column) }
        return owns(unmatchedPath: relativePath)
    }

    /// Drops the matched and unmatched files of other shards from a scan. O(files).
    func keepOwnFiles(of result: inout ScanResult, logger: Logger) {
        let matched = result.matched.count, unmatched = result.unmatched.count
        result.matched.removeAll { !owns(file: $0.file.relativePath, key: $0.key) }
        result.unmatched.removeAll { !owns(unmatchedPath: $0) }
        let wells = Set(result.matched.map { "\($0.key.field.plate)\u{0}\($0.key.field.row),\($0.key.field.column)" }).count
        logger.info("shard \(self): \(result.matched.count) of \(matched) matched files (\(wells) wells), \(result.unmatched.count) of \(unmatched) unmatched")
    }
}
