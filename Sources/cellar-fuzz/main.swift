// cellar-fuzz: mutation fuzzer for the TIFF/PNG readers (CellarImage over libtiff/libpng).
//
//   cellar-fuzz SECONDS SEED_DIR [OUT_DIR] [RNG_SEED]
//
// Takes every file of SEED_DIR (e.g. Tests/Corpus/formats), mutates it (bit flips, byte
// runs, truncations, splices with another seed, TIFF directory-entry edits, PNG IHDR edits),
// writes it to OUT_DIR/current and reads it with `ImageFile.read` and `ImageFile.readLabels`,
// for SECONDS seconds. Every read must return an image or throw an `ImageError`; a crash
// leaves the input in OUT_DIR/current (copy it before re-running). Build it under
// AddressSanitizer with `make fuzz` (`swift build -Xswiftc -sanitize=address`). Reads use a
// 4096-pixel dimension limit so a legitimately huge (compressed) image cannot exhaust memory.
// Prints runs, runs per second and the error kinds seen.
import CellarImage
import Foundation

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let args = CommandLine.arguments
guard args.count >= 3, let seconds = Double(args[1]) else {
    FileHandle.standardError.write(Data("usage: cellar-fuzz SECONDS SEED_DIR [OUT_DIR] [RNG_SEED]\n".utf8))
    exit(2)
}
let seedDir = args[2]
let outDir = args.count > 3 ? args[3] : NSTemporaryDirectory() + "cellar-fuzz"
var rng = SplitMix(state: args.count > 4 ? UInt64(args[4]) ?? 1 : UInt64(Date().timeIntervalSince1970 * 1000))
try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
let names = try FileManager.default.contentsOfDirectory(atPath: seedDir).filter { !$0.hasSuffix(".tsv") }.sorted()
let seeds: [[UInt8]] = try names.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: seedDir + "/" + $0))) }
guard !seeds.isEmpty else { print("no seed files in \(seedDir)"); exit(2) }
let current = outDir + "/current"

/// Offsets of the 12-byte entries of a classic TIFF's first directory (empty if not found).
func tiffEntries(_ b: [UInt8]) -> [Int] {
    guard b.count >= 8, b[0] == b[1], b[0] == 0x49 || b[0] == 0x4D else { return [] }
    let le = b[0] == 0x49
    func u(_ at: Int, _ n: Int) -> Int {
        guard at + n <= b.count else { return -1 }
        return (0 ..< n).reduce(0) { $0 << 8 | Int(b[at + (le ? n - 1 - $1 : $1)]) }
    }
    let ifd = u(4, 4), count = u(ifd, 2)
    guard ifd > 0, count > 0, count < 500 else { return [] }
    return (0 ..< count).map { ifd + 2 + 12 * $0 }.filter { $0 + 12 <= b.count }
}

let interesting: [UInt32] = [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 64, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000,
                             0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff]

@MainActor func mutate(_ input: [UInt8]) -> [UInt8] {
    var b = input
    for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
        guard !b.isEmpty else { return b }
        switch Int.random(in: 0 ..< 7, using: &rng) {
        case 0:  // bit flips
            for _ in 0 ..< Int.random(in: 1 ... 8, using: &rng) { b[Int.random(in: 0 ..< b.count, using: &rng)] ^= 1 << UInt8.random(in: 0 ..< 8, using: &rng) }
        case 1:  // random byte run
            let at = Int.random(in: 0 ..< b.count, using: &rng)
            for i in at ..< min(b.count, at + Int.random(in: 1 ... 16, using: &rng)) { b[i] = UInt8.random(in: 0 ... 255, using: &rng) }
        case 2:  // truncate
            b = Array(b.prefix(Int.random(in: 0 ..< b.count, using: &rng)))
        case 3:  // splice with another seed
            let other = seeds.randomElement(using: &rng)!
            let cut = Int.random(in: 0 ..< b.count, using: &rng), from = Int.random(in: 0 ..< other.count, using: &rng)
            b = Array(b.prefix(cut)) + other[from...].prefix(Int.random(in: 1 ... 65536, using: &rng))
        case 4, 5:  // TIFF directory entry: type, count or value set to an interesting number
            let entries = tiffEntries(b)
            if let e = entries.randomElement(using: &rng) {
                let v = interesting.randomElement(using: &rng)!
                let field = [2, 4, 8].randomElement(using: &rng)!  // type, count, value/offset
                let width = field == 2 ? 2 : 4
                let le = b[0] == 0x49
                for i in 0 ..< width { b[e + field + (le ? i : width - 1 - i)] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
            } else if b.count >= 33, b[1] == 0x50 {  // PNG IHDR: width, height, depth, colour type, interlace
                let at = [16, 20, 24, 25, 28].randomElement(using: &rng)!
                let v = interesting.randomElement(using: &rng)!
                let n = at < 24 ? 4 : 1
                for i in 0 ..< n { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(n - 1 - i))) }
            }
        default:  // duplicate a chunk in place
            let at = Int.random(in: 0 ..< b.count, using: &rng), n = Int.random(in: 1 ... min(4096, b.count - at), using: &rng)
            b.insert(contentsOf: b[at ..< at + n], at: Int.random(in: 0 ... b.count, using: &rng))
        }
    }
    return b
}

var runs = 0, decoded = 0
var kinds: [String: Int] = [:]
let start = Date()
while Date().timeIntervalSince(start) < seconds {
    let seed = seeds[Int.random(in: 0 ..< seeds.count, using: &rng)]
    let input = mutate(seed)
    _ = FileManager.default.createFile(atPath: current, contents: Data(input))
    runs += 1
    do {
        let image = try ImageFile.read(current, maxDimension: 4096)
        precondition(image.width > 0 && image.height > 0 && image.width <= 4096 && image.height <= 4096)
        decoded += 1
    } catch {
        let k = "\(error.kind)".prefix { $0 != "(" }
        kinds[String(k), default: 0] += 1
    }
    _ = try? ImageFile.readLabels(current, maxDimension: 4096)
    if runs % 2000 == 0 {
        print("\(runs) runs, \(Int(Double(runs) / Date().timeIntervalSince(start))) /s, \(decoded) decoded")
    }
}
let elapsed = Date().timeIntervalSince(start)
print(String(format: "cellar-fuzz: %d runs in %.0f s (%.0f /s) over %d seeds, %d decoded, no crash", runs, elapsed, Double(runs) / elapsed, seeds.count, decoded))
print("errors: " + kinds.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
try? FileManager.default.removeItem(atPath: current)
